%% libp2pc: Erlang API over the libp2pc C library.
%%
%% Two modes, same API and same event messages:
%%   {mode, driver}        (default) an in-VM port driver (priv/libp2pc_drv.so).
%%                         The handle is a port; events go to the process
%%                         that opened it. No driver entry point blocks.
%%   {mode, port_program}  an OS process (priv/libp2pc_port) speaking
%%                         {packet, 4}; a crash there cannot take the VM
%%                         down. The handle is the pid of a relay process.
%%
%% Events reach the owner (the caller of open/1) as {libp2pc, H, Event}:
%%   {listening, PeerId, [Addr]}          {peer_connected, PeerId, inbound | outbound, Addr}
%%   {peer_disconnected, PeerId, Reason}  {message, Topic, From, MsgId, Data}
%%   {request_done, ReqId, ok | {error, Code, Msg}}
%%   {topic_peer_joined, Topic, PeerId}   {topic_peer_left, Topic, PeerId}
%%   {error, Code, Msg}  {drops, Gossip, Errors}  {stopped, Text}
%%   (port_program mode only) {port_exit, Status}
%% Strings and payloads are binaries; Code is an atom (internal, bad_state, ...).
-module(libp2pc).

-export([open/1, start_link/1, stop/1, stop/2, close/1,
         dial/2, disconnect/2, subscribe/2, unsubscribe/2, publish/3,
         peers/1, peer_id/1, counters/1, debug_panic/1,
         await/2, await/3, controlling_process/2, priv_dir/0]).

-define(NEW, 1).
-define(START, 2).
-define(STOP, 3).
-define(DIAL, 4).
-define(SUBSCRIBE, 5).
-define(UNSUBSCRIBE, 6).
-define(PUBLISH, 7).
-define(PEERS, 8).
-define(PEER_ID, 9).
-define(COUNTERS, 10).
-define(PANIC, 11).
-define(DISCONNECT, 12).

-type handle() :: port() | pid().
-type error() :: {error, atom(), binary()}.
-export_type([handle/0]).

%% Options (proplist or map):
%%   {listen, [Multiaddr]}   default ["/ip4/127.0.0.1/tcp/0"]
%%   {key_file, Path}        identity key file (created if missing); default ephemeral
%%   {max_peers, N}          default 0 (library default)
%%   {mode, driver | port_program}
%%   {start, true | false}   start the node and wait for it (default true)
%%   {timeout, Ms}           start timeout, default 15000
%%   {priv_dir, Dir}         where libp2pc_drv.so / libp2pc_port live
-spec open(list() | map()) -> {ok, handle()} | error().
open(Opts0) ->
    Opts = opts(Opts0),
    case proplists:get_value(mode, Opts, driver) of
        driver -> open_driver(Opts);
        port_program -> open_port_program(Opts, false);
        Other -> {error, invalid_argument, iolist_to_binary(io_lib:format("bad mode ~p", [Other]))}
    end.

%% Like open/1, and the caller is linked to the node (port or relay).
start_link(Opts0) ->
    Opts = opts(Opts0),
    case proplists:get_value(mode, Opts, driver) of
        port_program -> open_port_program(Opts, true);
        _ -> open(Opts)   % open_port/2 links the port to its owner already
    end.

%% Stops the node gracefully, waits for its `stopped` event, closes the handle.
stop(H) -> stop(H, 15000).
stop(H, Timeout) ->
    case call(H, ?STOP, <<>>) of
        {ok, Req} ->
            receive {libp2pc, H, {stopped, _}} -> ok
            after Timeout -> ok
            end,
            receive {libp2pc, H, {request_done, Req, _}} -> ok after 0 -> ok end;
        _ -> ok
    end,
    close(H).

%% Destroys the node at once (a running node is stopped by the library).
close(H) when is_port(H) ->
    catch port_close(H),
    flush(H);
close(H) when is_pid(H) ->
    Ref = erlang:monitor(process, H),
    H ! {close, self(), Ref},
    receive
        {Ref, ok} -> erlang:demonitor(Ref, [flush]);
        {'DOWN', Ref, _, _, _} -> ok
    after 5000 -> erlang:demonitor(Ref, [flush]), exit(H, kill)
    end,
    flush(H).

flush(H) ->
    receive {libp2pc, H, _} -> flush(H) after 0 -> ok end.

%% Hands the node to another process: its events go there from now on
%% (events already delivered stay in the caller's mailbox). Call it from
%% the current owner.
controlling_process(H, Pid) when is_port(H), is_pid(Pid) ->
    try
        true = erlang:port_connect(H, Pid),
        unlink(H),
        ok
    catch error:badarg -> {error, bad_handle, <<"port closed">>}
    end;
controlling_process(H, Pid) when is_pid(H), is_pid(Pid) ->
    Ref = erlang:monitor(process, H),
    H ! {set_owner, self(), Ref, Pid},
    receive
        {Ref, ok} -> erlang:demonitor(Ref, [flush]), ok;
        {'DOWN', Ref, _, _, _} -> {error, bad_handle, <<"port program gone">>}
    after 5000 -> erlang:demonitor(Ref, [flush]), {error, timeout, <<"no answer">>}
    end.

%% Asynchronous calls: {ok, ReqId} now, {request_done, ReqId, Result} later.
dial(H, Addr) -> call(H, ?DIAL, iolist_to_binary(Addr)).
disconnect(H, PeerId) -> call(H, ?DISCONNECT, iolist_to_binary(PeerId)).
subscribe(H, Topic) -> call(H, ?SUBSCRIBE, iolist_to_binary(Topic)).
unsubscribe(H, Topic) -> call(H, ?UNSUBSCRIBE, iolist_to_binary(Topic)).
publish(H, Topic, Data) ->
    T = iolist_to_binary(Topic),
    call(H, ?PUBLISH, [<<(byte_size(T)):32>>, T, Data]).

%% Synchronous queries.
peers(H) -> call(H, ?PEERS, <<>>).
peer_id(H) -> call(H, ?PEER_ID, <<>>).
counters(H) -> call(H, ?COUNTERS, <<>>).

%% Raises a Go panic inside libp2pc; the panic guard turns it into
%% {error, internal, Msg}.
debug_panic(H) -> call(H, ?PANIC, <<>>).

%% Waits (in the owner process) for a request's completion.
await(H, Req) -> await(H, Req, 15000).
await(H, {ok, Req}, Timeout) -> await(H, Req, Timeout);
await(_H, {error, _, _} = E, _Timeout) -> E;
await(H, Req, Timeout) when is_integer(Req) ->
    receive {libp2pc, H, {request_done, Req, Result}} -> Result
    after Timeout -> {error, timeout, <<"no request_done in time">>}
    end.

priv_dir() ->
    case os:getenv("LIBP2PC_ERL_PRIV_DIR") of
        Dir when is_list(Dir), Dir =/= "" -> Dir;
        _ -> filename:join(filename:dirname(filename:dirname(code:which(?MODULE))), "priv")
    end.

%% ---------------------------------------------------------------------------

opts(M) when is_map(M) -> maps:to_list(M);
opts(L) when is_list(L) -> L.

new_args(Opts) ->
    Listen = [iolist_to_binary(A) || A <- proplists:get_value(listen, Opts, ["/ip4/127.0.0.1/tcp/0"])],
    Key = iolist_to_binary(proplists:get_value(key_file, Opts, <<>>)),
    MaxPeers = proplists:get_value(max_peers, Opts, 0),
    [<<(length(Listen)):32>>, [[<<(byte_size(A)):32>>, A] || A <- Listen],
     <<(byte_size(Key)):32>>, Key, <<MaxPeers:32>>].

after_new(H, ok, Opts) ->
    case proplists:get_value(start, Opts, true) of
        false -> {ok, H};
        true ->
            case await(H, call(H, ?START, <<>>), proplists:get_value(timeout, Opts, 15000)) of
                ok -> {ok, H};
                Err -> close(H), Err
            end
    end;
after_new(H, Err, _Opts) ->
    close(H),
    Err.

open_driver(Opts) ->
    Dir = proplists:get_value(priv_dir, Opts, priv_dir()),
    case erl_ddll:load_driver(Dir, "libp2pc_drv") of
        ok -> open_driver2(Opts);
        {error, already_loaded} -> open_driver2(Opts);
        {error, E} -> {error, io, iolist_to_binary(erl_ddll:format_error(E))}
    end.

open_driver2(Opts) ->
    Port = open_port({spawn_driver, "libp2pc_drv"}, [binary]),
    after_new(Port, call(Port, ?NEW, new_args(Opts)), Opts).

open_port_program(Opts, Link) ->
    Dir = proplists:get_value(priv_dir, Opts, priv_dir()),
    Owner = self(),
    Ref = make_ref(),
    Spawn = case Link of true -> fun erlang:spawn_link/1; false -> fun erlang:spawn/1 end,
    Pid = Spawn(fun() -> relay_init(Owner, Ref, filename:join(Dir, "libp2pc_port")) end),
    receive
        {Ref, ok} -> after_new(Pid, call(Pid, ?NEW, new_args(Opts)), Opts);
        {Ref, Err} -> Err
    after 10000 -> exit(Pid, kill), {error, timeout, <<"port program did not start">>}
    end.

%% --- commands --------------------------------------------------------------

call(H, Cmd, Args) when is_port(H) ->
    try iolist_to_binary(port_control(H, Cmd, Args)) of
        <<2>> ->
            %% NEW runs on the VM's async thread pool (the key file is read
            %% or written there, not on a scheduler); its reply follows.
            receive {libp2pc_new, H, Reply} -> decode(Cmd, Reply)
            after 15000 -> {error, timeout, <<"node creation did not finish">>}
            end;
        Reply -> decode(Cmd, Reply)
    catch error:badarg -> {error, bad_handle, <<"port closed">>}
    end;
call(H, Cmd, Args) when is_pid(H) ->
    Ref = erlang:monitor(process, H),
    H ! {call, self(), Ref, Cmd, Args},
    receive
        {Ref, Reply} -> erlang:demonitor(Ref, [flush]), decode(Cmd, Reply);
        {'DOWN', Ref, _, _, _} -> {error, bad_handle, <<"port program gone">>}
    after 10000 ->
        erlang:demonitor(Ref, [flush]),
        {error, timeout, <<"port program did not answer">>}
    end.

decode(_, <<1, Code:32/signed, Msg/binary>>) -> {error, code(Code), Msg};
decode(Cmd, <<0, Req:64>>) when Cmd =:= ?START; Cmd =:= ?STOP; Cmd =:= ?DIAL;
                                 Cmd =:= ?SUBSCRIBE; Cmd =:= ?UNSUBSCRIBE;
                                 Cmd =:= ?PUBLISH; Cmd =:= ?DISCONNECT -> {ok, Req};
decode(?PEER_ID, <<0, Id/binary>>) -> {ok, Id};
decode(?PEERS, <<0, N:32, Rest/binary>>) -> {ok, decode_peers(N, Rest)};
decode(?COUNTERS, <<0, Rest/binary>>) ->
    Names = [events_delivered, dropped_gossip, dropped_errors, dropped_subscription,
             dropped_outbound_rpcs, stale_gossip, peers_refused_limit, peers_refused_queue,
             calls_refused_busy, messages_received, messages_published, connected_peers,
             duplicate_connections, recovered_panics,
             gossip_queue_len, gossip_queue_capacity, gossip_queue_high_water,
             control_queue_len, control_queue_capacity, control_queue_high_water,
             error_queue_len, error_queue_capacity, error_queue_high_water],
    Vals = [V || <<V:64>> <= Rest],
    {ok, maps:from_list(lists:zip(Names, Vals))};
decode(_, <<0>>) -> ok;
decode(_, Other) -> {error, internal, iolist_to_binary(io_lib:format("bad reply ~p", [Other]))}.

decode_peers(0, _) -> [];
decode_peers(N, <<L1:32, Id:L1/binary, L2:32, Dir:L2/binary, L3:32, Addr:L3/binary, Rest/binary>>) ->
    [#{peer_id => Id, direction => binary_to_atom(Dir, utf8), addr => Addr} | decode_peers(N - 1, Rest)].

code(-1) -> invalid_argument;
code(-2) -> bad_handle;
code(-3) -> bad_state;
code(-4) -> queue_full;
code(-5) -> not_found;
code(-6) -> network;
code(-7) -> timeout;
code(-8) -> io;
code(-9) -> abi_mismatch;
code(-10) -> not_initialized;
code(-11) -> in_callback;
code(-12) -> internal;
code(-13) -> stopped;
code(-14) -> too_large;
code(-15) -> unsupported;
code(_) -> unknown.

%% --- port_program relay ------------------------------------------------------

relay_init(Owner, Ref, Exe) ->
    MRef = erlang:monitor(process, Owner),
    try open_port({spawn_executable, Exe}, [{packet, 4}, binary, exit_status]) of
        Port -> Owner ! {Ref, ok}, relay_loop(Owner, MRef, Port)
    catch error:E ->
        Owner ! {Ref, {error, io, iolist_to_binary(io_lib:format("cannot run ~s: ~p", [Exe, E]))}}
    end.

relay_loop(Owner, MRef, Port) ->
    receive
        {call, From, Ref, Cmd, Args} ->
            port_command(Port, [Cmd, Args]),
            relay_wait(Owner, MRef, Port, From, Ref);
        {Port, {data, <<$e, T/binary>>}} ->
            Owner ! {libp2pc, self(), binary_to_term(T)},
            relay_loop(Owner, MRef, Port);
        {Port, {exit_status, S}} ->
            Owner ! {libp2pc, self(), {port_exit, S}},
            exit(normal);
        {close, From, Ref} ->
            catch port_close(Port),
            From ! {Ref, ok},
            exit(normal);
        {set_owner, From, Ref, NewOwner} ->
            erlang:demonitor(MRef, [flush]),
            From ! {Ref, ok},
            relay_loop(NewOwner, erlang:monitor(process, NewOwner), Port);
        {'DOWN', MRef, _, _, _} ->
            catch port_close(Port),
            exit(normal)
    end.

relay_wait(Owner, MRef, Port, From, Ref) ->
    receive
        {Port, {data, <<$r, R/binary>>}} ->
            From ! {Ref, R},
            relay_loop(Owner, MRef, Port);
        {Port, {data, <<$e, T/binary>>}} ->
            Owner ! {libp2pc, self(), binary_to_term(T)},
            relay_wait(Owner, MRef, Port, From, Ref);
        {Port, {exit_status, S}} ->
            Owner ! {libp2pc, self(), {port_exit, S}},
            exit(normal)
    end.
