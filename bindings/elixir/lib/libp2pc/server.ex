defmodule Libp2pc.Server do
  @moduledoc """
  A GenServer over the Erlang OTP application's node (`:libp2pc_node`, one
  gen_server per node under `:libp2pc_sup`), with the whole libp2pc API
  (ABI 2.2) and per-topic handlers (`Libp2pc.TopicHandler`).

      {:ok, s} = Libp2pc.Server.start_link(
        listen: ["/ip4/127.0.0.1/tcp/0"],
        owner: self(),                                   # every event as {:libp2pc, s, event}
        handlers: [{"blocks", MyApp.BlockHandler}])      # plain gossip topics
      :ok = Libp2pc.Server.eth2_configure(s, %{genesis_time: t, genesis_validators_root: gvr, config_yaml: yaml})
      :ok = Libp2pc.Server.start(s)
      :ok = Libp2pc.Server.eth2_subscribe(s, "beacon_block", :host, MyApp.BlockValidator)
      :ok = Libp2pc.Server.chain_start(s, %{data_dir: dir, anchor_state: genesis, config_yaml: yaml})

  Events are maps with every field of `libp2pc_event` (see `t:event/0`);
  `type` is one of `t:event_type/0`, or an integer for a kind a newer
  library adds. The server is the node's owner: the node stops with it.

  Calls the library completes later (`start/1`, `dial/2`, `subscribe/3`,
  `eth2_subscribe/4`, `eth2_publish/3`, `goodbye/3`, `chain_start/2`,
  `chain_propose_blobs/3`, `request/5`, ...) return once completed, `{:error, :timeout, msg}` when
  their timeout passes; the others at once. Errors are
  `{:error, code, message}`.

  Handlers: on a plain topic (`subscribe/3`) a handler's `handle/2` gets each
  message. On an eth2 topic (`eth2_subscribe/4`) with mode `:host`, the
  handler's `validate/2` (if it has one; else every message is accepted)
  answers each `:gossip_validate` event (`:accept`, `:reject` or `:ignore`)
  and `handle/2` gets the accepted messages.
  """
  use GenServer
  import Kernel, except: [node: 1]

  @type server :: GenServer.server()
  @type error :: {:error, atom(), binary()}
  @type event_type ::
          :listening
          | :peer_connected
          | :peer_disconnected
          | :message
          | :request_done
          | :error
          | :drops
          | :stopped
          | :topic_peer_joined
          | :topic_peer_left
          | :member_message
          | :gossip_validate
          | :response_chunk
          | :incoming_request
          | :peer_status
          | :peer_goodbye
          | :peer_banned
          | :block_imported
          | :block_invalid
          | :head_changed
          | :finalized
          | :sync_progress
          | :block_dropped
          | :data_waiting
          | :data_available
          | :data_unavailable
          | :engine_state
          | :block_execution
  @type event :: %{
          required(:type) => event_type() | non_neg_integer(),
          optional(atom()) => term()
        }

  @doc """
  Starts the server and its node (not started: configure it, then
  `start/1`). Options: `listen`, `key_file`, `max_peers`,
  `gossip_queue_capacity`, `control_queue_capacity`, `error_queue_capacity`,
  `max_message_size`, `dial_timeout_ms`, `stop_grace_ms` (node); `owner`
  (a pid that gets every event); `handlers` ([{topic, handler}], subscribed
  once the node runs).
  """
  def start_link(opts, gen_opts \\ []), do: GenServer.start_link(__MODULE__, opts, gen_opts)

  @doc "Like start_link/2 but returns the server only after `start/1` completed."
  def new(opts) do
    with {:ok, s} <- start_link(opts), :ok <- start(s), do: {:ok, s}
  end

  @doc "Stops the server; its node is destroyed (a running one stopped first)."
  def destroy(server), do: GenServer.stop(server, :normal)

  # ------------------------------------------------------------ library

  def abi_version, do: :libp2pc_node.abi_version()
  def event_type_name(type), do: :libp2pc_node.event_type_name(type)
  def debug_panic, do: :libp2pc_node.debug_panic()

  @doc "Log records (process-wide) at `min_level` and above go to `pid` as {:libp2pc_log, map}; nil: off."
  def set_log_callback(min_level, pid),
    do: :libp2pc_node.set_log_callback(min_level, pid || :undefined)

  # ---------------------------------------------------------- lifecycle

  def start(s, timeout \\ 30_000) do
    with :ok <- :libp2pc_node.start(node(s), timeout),
         do: GenServer.call(s, :subscribe_handlers, timeout)
  end

  def stop(s, timeout \\ 30_000), do: :libp2pc_node.stop(node(s), timeout)
  def peer_id(s), do: :libp2pc_node.peer_id(node(s))
  def peers(s), do: :libp2pc_node.peers(node(s))
  def counters(s), do: :libp2pc_node.counters(node(s))
  def metrics_text(s), do: :libp2pc_node.metrics_text(node(s))
  def metrics_serve(s, addr), do: :libp2pc_node.metrics_serve(node(s), addr)

  # ---------------------------------------------------- peers and gossip

  def dial(s, multiaddr), do: :libp2pc_node.dial(node(s), multiaddr)
  def disconnect(s, peer_id), do: :libp2pc_node.disconnect(node(s), peer_id)

  @doc "Subscribes to a plain gossip topic; `handler` (Module or {Module, arg}) gets its messages."
  def subscribe(s, topic, handler \\ nil) do
    with :ok <- :libp2pc_node.subscribe(node(s), topic),
         do: GenServer.call(s, {:handler, IO.iodata_to_binary(topic), handler})
  end

  def unsubscribe(s, topic) do
    with :ok <- :libp2pc_node.unsubscribe(node(s), topic),
         do: GenServer.call(s, {:handler, IO.iodata_to_binary(topic), nil})
  end

  def publish(s, topic, data), do: :libp2pc_node.publish(node(s), topic, data)

  # ---------------------------------------------------------- eth2 gossip

  @doc "Config map: genesis_time, genesis_validators_root, config_yaml | config_path, ... (see libp2pc_eth2_config)."
  def eth2_configure(s, config), do: :libp2pc_node.eth2_configure(node(s), config)

  @doc """
  Subscribes to an eth2 topic name with a validation mode (`:host`, `:go`,
  `:none`); `handler` validates (`:host`) and handles its messages.
  """
  def eth2_subscribe(s, name, mode, handler \\ nil) do
    with :ok <- GenServer.call(s, {:handler, {:eth2, IO.iodata_to_binary(name)}, handler}),
         :ok <- :libp2pc_node.eth2_subscribe(node(s), name, mode) do
      :ok
    else
      err ->
        GenServer.call(s, {:handler, {:eth2, IO.iodata_to_binary(name)}, nil})
        err
    end
  end

  def eth2_unsubscribe(s, name) do
    with :ok <- :libp2pc_node.eth2_unsubscribe(node(s), name),
         do: GenServer.call(s, {:handler, {:eth2, IO.iodata_to_binary(name)}, nil})
  end

  def eth2_publish(s, topic, ssz), do: :libp2pc_node.eth2_publish(node(s), topic, ssz)

  def eth2_publish_nowait(s, topic, ssz),
    do: :libp2pc_node.eth2_publish_nowait(node(s), topic, ssz)

  def eth2_publish_nowait_counters(s), do: :libp2pc_node.eth2_publish_nowait_counters(node(s))

  @doc "Answers a :gossip_validate event yourself (its request_id) with :accept, :reject or :ignore."
  def report_validation(s, id, verdict), do: :libp2pc_node.report_validation(node(s), id, verdict)
  def eth2_counters(s), do: :libp2pc_node.eth2_counters(node(s))

  # ------------------------------------------------------------ req/resp

  def set_reqresp_timeouts(s, ttfb_ms, resp_ms, serve_ms),
    do: :libp2pc_node.set_reqresp_timeouts(node(s), ttfb_ms, resp_ms, serve_ms)

  def set_status(s, status), do: :libp2pc_node.set_status(node(s), status)
  def set_metadata(s, metadata), do: :libp2pc_node.set_metadata(node(s), metadata)
  def serve(s, protocol, mode), do: :libp2pc_node.serve(node(s), protocol, mode)

  @doc "Sends a request; {:ok, chunks} (the :response_chunk events) once done."
  def request(s, peer_id, protocol, body, timeout_ms \\ 10_000),
    do: :libp2pc_node.request(node(s), peer_id, protocol, body, timeout_ms, timeout_ms + 5_000)

  def respond_chunk(s, id, context, data),
    do: :libp2pc_node.respond_chunk(node(s), id, context || :undefined, data)

  def respond_end(s, id), do: :libp2pc_node.respond_end(node(s), id)

  def respond_error(s, id, code, message),
    do: :libp2pc_node.respond_error(node(s), id, code, message)

  def goodbye(s, peer_id, reason), do: :libp2pc_node.goodbye(node(s), peer_id, reason)
  def reqresp_counters(s), do: :libp2pc_node.reqresp_counters(node(s))

  # --------------------------------------------------------------- chain

  @doc """
  Config map: data_dir, anchor_state, config_yaml, checkpoint_sync_url,
  checkpoint_id, checkpoint_state, checkpoint_block, ws_checkpoint,
  backfill_epochs, allow_stale_checkpoint (boolean), custody_group_count,
  engine_endpoint, jwt_secret_path, jwt_secret (32 bytes) (see
  libp2pc_chain_config).
  """
  def chain_start(s, config, timeout \\ 60_000),
    do: :libp2pc_node.chain_start(node(s), config, timeout)

  def chain_head(s), do: :libp2pc_node.chain_head(node(s))
  def chain_finalized(s), do: :libp2pc_node.chain_finalized(node(s))
  def get_block(s, root), do: :libp2pc_node.get_block(node(s), root)
  def get_state(s, root), do: :libp2pc_node.get_state(node(s), root)
  def chain_submit_block(s, ssz), do: :libp2pc_node.chain_submit_block(node(s), ssz)
  def chain_sync_status(s), do: :libp2pc_node.chain_sync_status(node(s))

  @doc "The data availability counters: `{:ok, %{sidecars_received: n, ..., waiting: n}}`."
  def chain_da_counters(s), do: :libp2pc_node.chain_da_counters(node(s))

  @doc """
  The stored sidecars of block `root`: `{:ok, :blob | :data_column, [ssz]}`,
  in index order; `{:error, :not_found, _}` when none are stored.
  """
  def get_sidecars(s, root), do: :libp2pc_node.get_sidecars(node(s), root)

  @doc """
  Hands a proposed block's blobs (a list of 131072-byte binaries, in the
  order of its commitments); returns `{:ok, sidecars_built}` once the
  library built, filed and published their sidecars.
  """
  def chain_propose_blobs(s, block, blobs, timeout \\ 60_000),
    do: :libp2pc_node.chain_propose_blobs(node(s), block, blobs, timeout)

  # ----------------------------------------------------------- discovery

  def discovery_configure(s, config), do: :libp2pc_node.discovery_configure(node(s), config)
  def fork_digest(s), do: :libp2pc_node.fork_digest(node(s))
  def enr(s), do: :libp2pc_node.enr(node(s))

  def update_enr(s, attnets, syncnets, cgc),
    do:
      :libp2pc_node.update_enr(
        node(s),
        attnets || :undefined,
        syncnets || :undefined,
        cgc || :undefined
      )

  def peer_table(s), do: :libp2pc_node.peer_table(node(s))
  def ban(s, peer_id, seconds, reason), do: :libp2pc_node.ban(node(s), peer_id, seconds, reason)
  def discovery_counters(s), do: :libp2pc_node.discovery_counters(node(s))

  # ---------------------------------------------------------- membership

  @doc "Transport: :libp2p, or {:tcp, listen_addr | nil, member_id | nil}."
  def membership_start(s, :libp2p), do: :libp2pc_node.membership_start(node(s), :libp2p)

  def membership_start(s, {:tcp, listen, id}),
    do: :libp2pc_node.membership_start(node(s), {:tcp, listen || :undefined, id || :undefined})

  def membership_addr(s), do: :libp2pc_node.membership_addr(node(s))
  def membership_set(s, members), do: :libp2pc_node.membership_set(node(s), members)
  def member_send(s, id, data), do: :libp2pc_node.member_send(node(s), id, data)
  def member_broadcast(s, data), do: :libp2pc_node.member_broadcast(node(s), data)
  def membership_counters(s), do: :libp2pc_node.membership_counters(node(s))
  def member_counters(s, id), do: :libp2pc_node.member_counters(node(s), id)

  @doc "The `:libp2pc_node` pid (for the Erlang API)."
  def node(s), do: GenServer.call(s, :node)

  # ------------------------------------------------------------ server

  @node_keys [
    :listen,
    :key_file,
    :max_peers,
    :gossip_queue_capacity,
    :control_queue_capacity,
    :error_queue_capacity,
    :max_message_size,
    :dial_timeout_ms,
    :stop_grace_ms
  ]

  @impl true
  def init(opts) do
    {node_opts, rest} = Keyword.split(opts, @node_keys)

    node_opts =
      Map.new(node_opts, fn
        {:listen, l} -> {:listen, Enum.map(l, &IO.iodata_to_binary/1)}
        kv -> kv
      end)

    case :libp2pc_node.new(self(), node_opts) do
      {:ok, node} ->
        {:ok, %{node: node, owner: rest[:owner], handlers: %{}, initial: rest[:handlers] || []}}

      {:error, code, msg} ->
        {:stop, {:shutdown, {code, msg}}}
    end
  end

  @impl true
  def handle_call(:node, _from, st), do: {:reply, st.node, st}

  def handle_call({:handler, key, nil}, _from, st),
    do: {:reply, :ok, %{st | handlers: Map.delete(st.handlers, key)}}

  def handle_call({:handler, key, h}, _from, st), do: {:reply, :ok, put_in(st.handlers[key], h)}

  # The handlers given at start: subscribed once the node runs. The server
  # answers later (the subscriptions complete asynchronously) from a task.
  def handle_call(:subscribe_handlers, from, st) do
    me = self()
    node = st.node

    Task.start(fn ->
      result =
        Enum.reduce_while(st.initial, :ok, fn {topic, h}, :ok ->
          topic = IO.iodata_to_binary(topic)

          case :libp2pc_node.subscribe(node, topic) do
            :ok -> {:cont, GenServer.call(me, {:handler, topic, h})}
            err -> {:halt, err}
          end
        end)

      GenServer.reply(from, result)
    end)

    {:noreply, %{st | initial: []}}
  end

  @impl true
  def handle_info({:libp2pc, node, event}, %{node: node} = st) do
    if st.owner, do: send(st.owner, {:libp2pc, self(), event})
    dispatch(event, st)
    {:noreply, st}
  end

  def handle_info(_other, st), do: {:noreply, st}

  @impl true
  def terminate(_reason, st), do: :libp2pc_node.destroy(st.node)

  defp dispatch(%{type: :message, topic: topic} = ev, st) do
    case handler_for(topic, st) do
      nil -> :ok
      h -> call_handler(h, :handle, message(ev))
    end
  end

  defp dispatch(%{type: :gossip_validate, topic: topic, request_id: id} = ev, st) do
    verdict =
      case handler_for(topic, st) do
        nil ->
          :accept

        h ->
          {mod, _} = split(h)

          if function_exported?(mod, :validate, 2),
            do: call_handler(h, :validate, message(ev)),
            else: :accept
      end

    :libp2pc_node.report_validation(st.node, id, verdict)
  end

  defp dispatch(_ev, _st), do: :ok

  # Plain topics by their string; eth2 topics ("/eth2/<digest>/<name>/ssz_snappy") by name.
  defp handler_for(topic, st) do
    case Map.fetch(st.handlers, topic) do
      {:ok, h} ->
        h

      :error ->
        case String.split(topic, "/") do
          ["", "eth2", _digest, name, _enc] -> Map.get(st.handlers, {:eth2, name})
          _ -> nil
        end
    end
  end

  defp message(ev), do: %{topic: ev.topic, from: ev.peer_id, msg_id: ev.msg_id, data: ev.data}
  defp split(h) when is_atom(h), do: {h, nil}
  defp split({mod, arg}), do: {mod, arg}

  defp call_handler(h, fun, msg) do
    {mod, arg} = split(h)
    apply(mod, fun, [msg, arg])
  end
end
