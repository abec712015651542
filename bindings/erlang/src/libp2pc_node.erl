%% libp2pc_node: one libp2pc node as a gen_server under libp2pc_sup.
%%
%%   {ok, N} = libp2pc_node:new(#{listen => [<<"/ip4/127.0.0.1/tcp/0">>]}),
%%   ok = libp2pc_node:eth2_configure(N, #{genesis_time => T, genesis_validators_root => Gvr,
%%                                         config_yaml => Yaml}),
%%   ok = libp2pc_node:start(N),                   % returns once start completed
%%   ok = libp2pc_node:chain_start(N, #{data_dir => Dir, anchor_state => Genesis,
%%                                      config_yaml => Yaml}),
%%   {ok, Root} = libp2pc_node:chain_submit_block(N, Block),
%%   receive {libp2pc, N, #{type := block_imported, code := Slot}} -> Slot end,
%%   ok = libp2pc_node:stop(N).
%%
%% Events: every event of the node reaches its owner (the caller of new/1, or
%% the Owner of new/2) as {libp2pc, NodePid, Event}, Event a map with every
%% field of libp2pc_event: type (an atom: listening, peer_connected, ...,
%% block_imported, head_changed, ...; an integer for a kind a newer library
%% adds), status (ok or an error atom), seq, request_id, peer_id, direction,
%% addr, topic, msg_id, data, text, addrs, dropped_gossip, dropped_errors,
%% protocol, code, context. The node stops when its owner exits.
%%
%% Calls: the library never blocks, and neither does this server. Calls the
%% library completes later (start, stop, dial, disconnect, subscribe,
%% unsubscribe, publish, eth2_subscribe, eth2_unsubscribe, eth2_publish,
%% goodbye, chain_start, chain_propose_blobs, request) return when their REQUEST_DONE arrives —
%% the server parks the caller and keeps serving — with ok (request/5,6:
%% {ok, [ChunkEvent]}) or {error, Code, Message}. Every call takes an
%% optional timeout (default 30 s); when it passes the call returns
%% {error, timeout, Message} (never ok): the work may still finish later.
%% The other calls answer at once: ok | {ok, Value} | {error, Code, Message}.
-module(libp2pc_node).
-behaviour(gen_server).

-export([new/1, new/2, start_link/2, destroy/1,
         abi_version/0, event_type_name/1, strerror/1, debug_panic/0, set_log_callback/2,
         start/1, start/2, stop/1, stop/2, peer_id/1, dial/2, disconnect/2, peers/1,
         subscribe/2, unsubscribe/2, publish/3, counters/1, metrics_text/1, metrics_serve/2,
         membership_start/2, membership_addr/1, membership_set/2, member_send/3,
         member_broadcast/2, membership_counters/1, member_counters/2,
         eth2_configure/2, eth2_subscribe/3, eth2_unsubscribe/2, eth2_publish/3,
         report_validation/3, eth2_counters/1, eth2_publish_nowait/3,
         eth2_publish_nowait_counters/1, set_reqresp_timeouts/4, set_status/2,
         set_metadata/2, serve/3, request/5, request/6, respond_chunk/4, respond_end/2,
         respond_error/4, goodbye/3, reqresp_counters/1, chain_start/2, chain_start/3,
         chain_head/1, chain_finalized/1, get_block/2, get_state/2, chain_submit_block/2,
         chain_sync_status/1, chain_da_counters/1, get_sidecars/2, chain_propose_blobs/3,
         chain_propose_blobs/4, discovery_configure/2, fork_digest/1, enr/1, update_enr/4,
         peer_table/1, ban/4, discovery_counters/1, call/3]).
-export([init/1, handle_call/3, handle_cast/2, handle_info/2, terminate/2]).

-define(TIMEOUT, 30000).

-type node_ref() :: pid().
-type error() :: {error, atom(), binary()}.
-export_type([node_ref/0, error/0]).

%% ------------------------------------------------------------ lifecycle

%% Creates a node (not started) under libp2pc_sup, owned by the caller.
%% Opts: listen => [Multiaddr], key_file => Path, max_peers,
%% gossip_queue_capacity, control_queue_capacity, error_queue_capacity,
%% max_message_size, dial_timeout_ms, stop_grace_ms (0: defaults).
-spec new(map()) -> {ok, node_ref()} | error().
new(Opts) -> new(self(), Opts).

new(Owner, Opts) ->
    case libp2pc_sup:start_node(Owner, Opts) of
        {ok, Pid} -> {ok, Pid};
        {error, {shutdown, {libp2pc, Code, Msg}}} -> {error, Code, Msg};
        {error, Other} -> {error, internal, iolist_to_binary(io_lib:format("~p", [Other]))}
    end.

start_link(Owner, Opts) -> gen_server:start_link(?MODULE, {Owner, Opts}, []).

%% Destroys the node (a running one is stopped first) and ends its server.
destroy(N) ->
    try gen_server:stop(N, normal, ?TIMEOUT)
    catch exit:noproc -> {error, bad_handle, <<"node already destroyed">>};
          exit:timeout -> {error, timeout, <<"node did not stop in time">>}
    end.

%% ------------------------------------------------------------- library

abi_version() -> libp2pc_nif:abi_version().
event_type_name(Type) -> libp2pc_nif:event_type_name(Type).
strerror(Code) -> libp2pc_nif:strerror(Code).
debug_panic() -> libp2pc_nif:debug_panic().
%% Sends the library's log records (process-wide) at MinLevel (-4 debug,
%% 0 info, 4 warn, 8 error) and above to Pid as {libp2pc_log, Record};
%% undefined turns logging off.
set_log_callback(MinLevel, Pid) -> libp2pc_nif:set_log_callback(MinLevel, Pid).

%% --------------------------------------------------- completed requests

start(N) -> start(N, ?TIMEOUT).
start(N, T) -> wait(N, start, [], T).
stop(N) -> stop(N, ?TIMEOUT).
stop(N, T) -> wait(N, stop, [], T).
dial(N, Multiaddr) -> wait(N, dial, [Multiaddr], ?TIMEOUT).
disconnect(N, PeerId) -> wait(N, disconnect, [PeerId], ?TIMEOUT).
subscribe(N, Topic) -> wait(N, subscribe, [Topic], ?TIMEOUT).
unsubscribe(N, Topic) -> wait(N, unsubscribe, [Topic], ?TIMEOUT).
publish(N, Topic, Data) -> wait(N, publish, [Topic, Data], ?TIMEOUT).
eth2_subscribe(N, Name, Mode) -> wait(N, eth2_subscribe, [Name, Mode], ?TIMEOUT).
eth2_unsubscribe(N, Name) -> wait(N, eth2_unsubscribe, [Name], ?TIMEOUT).
eth2_publish(N, Topic, Ssz) -> wait(N, eth2_publish, [Topic, Ssz], ?TIMEOUT).
goodbye(N, PeerId, Reason) -> wait(N, goodbye, [PeerId, Reason], ?TIMEOUT).
chain_start(N, Config) -> chain_start(N, Config, ?TIMEOUT).
chain_start(N, Config, T) -> wait(N, chain_start, [Config], T).
%% A req/resp request: {ok, Chunks} (the response_chunk events, in order)
%% once the request is done. TimeoutMs: the library's deadline (0: none
%% beyond the TTFB/RESP timeouts).
request(N, PeerId, Protocol, Body, TimeoutMs) -> request(N, PeerId, Protocol, Body, TimeoutMs, ?TIMEOUT).
request(N, PeerId, Protocol, Body, TimeoutMs, T) -> wait(N, request, [PeerId, Protocol, Body, TimeoutMs], T).

%% ------------------------------------------------------ immediate calls

peer_id(N) -> call(N, peer_id, []).
peers(N) -> call(N, peers, []).
counters(N) -> call(N, counters, []).
metrics_text(N) -> call(N, metrics_text, []).
metrics_serve(N, Addr) -> call(N, metrics_serve, [Addr]).
%% Transport: libp2p | {tcp, ListenAddr | undefined, MemberId | undefined}.
membership_start(N, libp2p) -> call(N, membership_start, [libp2p, undefined, undefined]);
membership_start(N, {tcp, Listen, Id}) -> call(N, membership_start, [tcp, Listen, Id]).
membership_addr(N) -> call(N, membership_addr, []).
%% Members: [{Id, Addr}].
membership_set(N, Members) -> call(N, membership_set, [Members]).
member_send(N, Id, Data) -> call(N, member_send, [Id, Data]).
member_broadcast(N, Data) -> call(N, member_broadcast, [Data]).
membership_counters(N) -> call(N, membership_counters, []).
member_counters(N, Id) -> call(N, member_counters, [Id]).
eth2_configure(N, Config) -> call(N, eth2_configure, [Config]).
%% Verdict: accept | reject | ignore, for a gossip_validate event's request_id.
report_validation(N, ValidationId, Verdict) -> call(N, report_validation, [ValidationId, Verdict]).
eth2_counters(N) -> call(N, eth2_counters, []).
eth2_publish_nowait(N, Topic, Ssz) -> call(N, eth2_publish_nowait, [Topic, Ssz]).
eth2_publish_nowait_counters(N) -> call(N, eth2_publish_nowait_counters, []).
set_reqresp_timeouts(N, TtfbMs, RespMs, ServeMs) -> call(N, set_reqresp_timeouts, [TtfbMs, RespMs, ServeMs]).
set_status(N, Status) -> call(N, set_status, [Status]).
set_metadata(N, Metadata) -> call(N, set_metadata, [Metadata]).
%% Mode: by_host | none.
serve(N, Protocol, Mode) -> call(N, serve, [Protocol, Mode]).
%% Context: a 4-byte fork digest, or undefined.
respond_chunk(N, IncomingId, Context, Data) -> call(N, respond_chunk, [IncomingId, Context, Data]).
respond_end(N, IncomingId) -> call(N, respond_end, [IncomingId]).
respond_error(N, IncomingId, Code, Message) -> call(N, respond_error, [IncomingId, Code, Message]).
reqresp_counters(N) -> call(N, reqresp_counters, []).
%% {ok, Root, Slot}.
chain_head(N) -> call(N, chain_head, []).
%% {ok, Root, Epoch}.
chain_finalized(N) -> call(N, chain_finalized, []).
get_block(N, Root) -> call(N, get_block, [Root]).
get_state(N, Root) -> call(N, get_state, [Root]).
%% {ok, Root}; the outcome comes as a block_imported, block_invalid or
%% block_dropped event.
chain_submit_block(N, Ssz) -> call(N, chain_submit_block, [Ssz]).
chain_sync_status(N) -> call(N, chain_sync_status, []).
%% {ok, #{sidecars_received, ..., waiting, tracker_evicted}}.
chain_da_counters(N) -> call(N, chain_da_counters, []).
%% {ok, blob | data_column, [Sidecar]}: the stored sidecars of block Root,
%% each its SSZ, in index order.
get_sidecars(N, Root) -> call(N, get_sidecars, [Root]).
%% Blobs: a list of 131072-byte blobs (or their concatenation), in the
%% order of the block's commitments. Returns {ok, SidecarsBuilt} once the
%% library built, filed and published them.
chain_propose_blobs(N, Block, Blobs) -> chain_propose_blobs(N, Block, Blobs, ?TIMEOUT).
chain_propose_blobs(N, Block, Blobs, T) ->
    wait(N, chain_propose_blobs, [Block, iolist_to_binary(Blobs)], T).
discovery_configure(N, Config) -> call(N, discovery_configure, [Config]).
fork_digest(N) -> call(N, fork_digest, []).
enr(N) -> call(N, enr, []).
%% Each of Attnets (8 bytes), Syncnets, Cgc may be undefined (unchanged); {ok, Seq}.
update_enr(N, Attnets, Syncnets, Cgc) -> call(N, update_enr, [Attnets, Syncnets, Cgc]).
peer_table(N) -> call(N, peer_table, []).
ban(N, PeerId, Seconds, Reason) -> call(N, ban, [PeerId, Seconds, Reason]).
discovery_counters(N) -> call(N, discovery_counters, []).

%% Runs libp2pc_nif:F(Node, Args...) in the node's server.
call(N, F, Args) -> call(N, {nif, F, Args}, ?TIMEOUT, F).

wait(N, F, Args, T) -> call(N, {wait, F, Args}, T, F).

call(N, Msg, T, F) ->
    try gen_server:call(N, Msg, T)
    catch
        exit:{timeout, _} ->
            {error, timeout, iolist_to_binary(io_lib:format("~p did not complete within ~p ms", [F, T]))};
        exit:{noproc, _} -> {error, bad_handle, <<"node destroyed">>};
        exit:{normal, _} -> {error, bad_handle, <<"node destroyed">>}
    end.

%% ------------------------------------------------------------ gen_server

init({Owner, Opts}) ->
    process_flag(trap_exit, true),
    case libp2pc_nif:new(Opts, self()) of
        {ok, Res, Handle} ->
            {ok, #{res => Res, handle => Handle, owner => Owner, mon => monitor(process, Owner),
                   waiting => #{}}};
        %% {shutdown, _}: a refused config is an answer to the caller, not
        %% a crash to report.
        {error, Code, Msg} -> {stop, {shutdown, {libp2pc, Code, Msg}}}
    end.

handle_call({nif, F, Args}, _From, #{res := Res} = S) ->
    {reply, apply(libp2pc_nif, F, [Res | Args]), S};
handle_call({wait, F, Args}, From, #{res := Res, waiting := W} = S) ->
    case apply(libp2pc_nif, F, [Res | Args]) of
        {ok, ReqId} ->
            %% The library wrote ReqId before any event carrying it could be
            %% sent, and events are handled after this returns: no race.
            {noreply, S#{waiting := W#{ReqId => {From, F, []}}}};
        Err -> {reply, Err, S}
    end.

handle_cast(_Msg, S) -> {noreply, S}.

handle_info({libp2pc_nif_event, H, Ev}, #{handle := H, owner := Owner} = S) ->
    Owner ! {libp2pc, self(), Ev},
    {noreply, complete(Ev, S)};
handle_info({'DOWN', Mon, process, _, _}, #{mon := Mon} = S) ->
    {stop, normal, S};
handle_info(_Other, S) -> {noreply, S}.

terminate(_Reason, #{res := Res}) ->
    _ = libp2pc_nif:destroy(Res),
    ok.

complete(#{type := response_chunk, request_id := Id} = Ev, #{waiting := W} = S) ->
    case W of
        #{Id := {From, F, Chunks}} -> S#{waiting := W#{Id := {From, F, [Ev | Chunks]}}};
        _ -> S
    end;
complete(#{type := request_done, request_id := Id, status := Status, text := Text, code := Built},
         #{waiting := W} = S) ->
    case maps:take(Id, W) of
        {{From, F, Chunks}, W2} ->
            gen_server:reply(From, case {Status, F} of
                                       {ok, request} -> {ok, lists:reverse(Chunks)};
                                       {ok, chain_propose_blobs} -> {ok, Built};
                                       {ok, _} -> ok;
                                       {Code, _} -> {error, Code, Text}
                                   end),
            S#{waiting := W2};
        error -> S
    end;
complete(_Ev, S) -> S.
