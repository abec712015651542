-module(libp2pc_tests).
-include_lib("eunit/include/eunit.hrl").

modes() -> [driver, port_program].

%% The panic guard: a Go panic inside libp2pc comes back as an error term,
%% and the VM (and the node) live on.
panic_test_() ->
    [{atom_to_list(M), {timeout, 60, fun() -> panic(M) end}} || M <- modes()].

panic(Mode) ->
    {ok, H} = libp2pc:open([{mode, Mode}, {start, false}]),
    R = libp2pc:debug_panic(H),
    ?assertMatch({error, internal, Msg} when is_binary(Msg) andalso byte_size(Msg) > 0, R),
    %% still alive: the VM answers, the node answers
    ?assert(is_list(erlang:system_info(otp_release))),
    ?assertMatch({ok, <<_, _/binary>>}, libp2pc:peer_id(H)),
    ?assertMatch({error, internal, _}, libp2pc:debug_panic(H)),
    ok = libp2pc:close(H).

%% Synchronous errors come back as {error, Code, Msg}.
errors_test_() ->
    [{atom_to_list(M), {timeout, 60, fun() -> errors(M) end}} || M <- modes()].

errors(Mode) ->
    {ok, H} = libp2pc:open([{mode, Mode}, {start, false}]),
    %% not started yet: calls fail with bad_state at once
    ?assertMatch({error, bad_state, _}, libp2pc:subscribe(H, <<"t">>)),
    ok = libp2pc:close(H),
    ?assertMatch({error, bad_handle, _}, libp2pc:peer_id(H)),
    ?assertMatch({error, io, _}, libp2pc:open([{mode, Mode}, {key_file, "/"}])),
    %% a key file gives a stable identity
    KeyFile = filename:join(tmp_dir(), "libp2pc_erl_key_" ++ os:getpid() ++ "_" ++ atom_to_list(Mode)),
    file:delete(KeyFile),
    {ok, K1} = libp2pc:open([{mode, Mode}, {key_file, KeyFile}, {start, false}]),
    {ok, Id1} = libp2pc:peer_id(K1),
    ok = libp2pc:close(K1),
    ?assertMatch({ok, _}, file:read_file_info(KeyFile)),
    {ok, K2} = libp2pc:open([{mode, Mode}, {key_file, KeyFile}, {start, false}]),
    ?assertEqual({ok, Id1}, libp2pc:peer_id(K2)),
    ok = libp2pc:close(K2),
    file:delete(KeyFile).

tmp_dir() ->
    case os:getenv("TMPDIR") of
        false -> "/tmp";
        D -> D
    end.

%% Two nodes in one VM gossip with each other, in each mode.
gossip_test_() ->
    [{atom_to_list(M), {timeout, 90, fun() -> gossip(M) end}} || M <- modes()].

gossip(Mode) ->
    Topic = <<"/eth2/test/erl_", (atom_to_binary(Mode, utf8))/binary>>,
    {ok, A} = libp2pc:open([{mode, Mode}]),
    {ok, B} = libp2pc:open([{mode, Mode}]),
    {PidA, _} = listening(A),
    {PidB, [AddrB | _]} = listening(B),
    ?assertEqual({ok, PidA}, libp2pc:peer_id(A)),
    ok = libp2pc:await(A, libp2pc:dial(A, [AddrB, "/p2p/", PidB])),
    ?assertMatch({peer_connected, PidB, outbound, _}, wait_event(A, peer_connected)),
    ?assertMatch({peer_connected, PidA, inbound, _}, wait_event(B, peer_connected)),
    ok = libp2pc:await(A, libp2pc:subscribe(A, Topic)),
    ok = libp2pc:await(B, libp2pc:subscribe(B, Topic)),
    %% subscribing twice completes with bad_state
    ?assertMatch({error, bad_state, _}, libp2pc:await(B, libp2pc:subscribe(B, Topic))),
    ?assertEqual({topic_peer_joined, Topic, PidB}, wait_event(A, topic_peer_joined)),
    ?assertEqual({topic_peer_joined, Topic, PidA}, wait_event(B, topic_peer_joined)),
    {ok, PeersA} = libp2pc:peers(A),
    ?assertMatch([#{peer_id := PidB, direction := outbound}], PeersA),
    %% A -> B and B -> A
    deliver(A, B, PidA, Topic, <<"hello from A">>, 10),
    deliver(B, A, PidB, Topic, <<"hello from B">>, 10),
    %% binary payload with zero bytes survives
    deliver(A, B, PidA, Topic, <<0, 1, 2, 0, 255>>, 10),
    %% publishing on a topic not subscribed completes with not_found
    ?assertMatch({error, not_found, _}, libp2pc:await(A, libp2pc:publish(A, <<"nope">>, <<"x">>))),
    {ok, CA} = libp2pc:counters(A),
    ?assert(maps:get(messages_published, CA) >= 2),
    ?assertEqual(1, maps:get(connected_peers, CA)),
    {ok, CB} = libp2pc:counters(B),
    ?assert(maps:get(messages_received, CB) >= 2),
    ok = libp2pc:await(A, libp2pc:unsubscribe(A, Topic)),
    ?assertEqual({topic_peer_left, Topic, PidA}, wait_event(B, topic_peer_left)),
    ok = libp2pc:stop(A),
    ?assertMatch({peer_disconnected, PidA, _}, wait_event(B, peer_disconnected)),
    ok = libp2pc:stop(B).

listening(H) ->
    {listening, Pid, Addrs} = wait_event(H, listening),
    {Pid, Addrs}.

%% Publishes from Pub until Sub receives it; retries use unique payloads
%% because gossipsub drops duplicates.
deliver(_Pub, _Sub, _From, _Topic, Data, 0) -> erlang:error({not_delivered, Data});
deliver(Pub, Sub, From, Topic, Data, N) ->
    Payload = <<Data/binary, "#", (integer_to_binary(N))/binary>>,
    ok = libp2pc:await(Pub, libp2pc:publish(Pub, Topic, Payload)),
    receive
        {libp2pc, Sub, {message, Topic, From, MsgId, Payload}} ->
            ?assertEqual(20, byte_size(MsgId)),
            <<Expect:20/binary, _/binary>> = crypto_sha256([Topic, 0, Payload]),
            ?assertEqual(Expect, MsgId)
    after 2000 -> deliver(Pub, Sub, From, Topic, Data, N - 1)
    end.

crypto_sha256(Data) ->
    case code:which(crypto) of
        non_existing -> erlang:error(no_crypto);
        _ -> crypto:hash(sha256, Data)
    end.

wait_event(H, Type) -> wait_event(H, Type, 15000).
wait_event(H, Type, Timeout) ->
    receive
        {libp2pc, H, Ev} when element(1, Ev) =:= Type -> Ev
    after Timeout -> erlang:error({no_event, Type, H})
    end.

%% A node whose owner dies is destroyed (driver: port closed -> deselect ->
%% stop_select -> libp2pc_node_destroy; port program: stdin closes): its
%% peer sees it disconnect.
owner_exit_test_() ->
    [{atom_to_list(M), {timeout, 60, fun() -> owner_exit(M) end}} || M <- modes()].

owner_exit(Mode) ->
    {ok, B} = libp2pc:open([{mode, Mode}]),
    {PidB, [AddrB | _]} = listening(B),
    Self = self(),
    Owner = spawn(fun() ->
        {ok, A} = libp2pc:open([{mode, Mode}]),
        {PidA, _} = listening(A),
        ok = libp2pc:await(A, libp2pc:dial(A, [AddrB, "/p2p/", PidB])),
        Self ! {connected, PidA},
        receive die -> exit(die) end
    end),
    PidA = receive {connected, P} -> P after 20000 -> erlang:error(no_connect) end,
    ?assertMatch({peer_connected, PidA, inbound, _}, wait_event(B, peer_connected)),
    exit(Owner, kill),
    ?assertMatch({peer_disconnected, PidA, _}, wait_event(B, peer_disconnected, 20000)),
    ok = libp2pc:stop(B).

%% Two VMs: this one and a second `erl` running libp2pc_peer, which echoes.
two_vm_test_() ->
    [{atom_to_list(M), {timeout, 90, fun() -> two_vm(M) end}} || M <- modes()].

two_vm(Mode) ->
    Topic = <<"twovm_", (atom_to_binary(Mode, utf8))/binary>>,
    Erl = os:find_executable("erl"),
    Ebin = filename:dirname(code:which(libp2pc)),
    Peer = open_port({spawn_executable, Erl},
                     [{args, ["-noshell", "-pa", Ebin, "-s", "libp2pc_peer", "main",
                              atom_to_list(Mode), binary_to_list(Topic)]},
                      {line, 4096}, binary, exit_status]),
    try
        Addr = receive
                   {Peer, {data, {eol, <<"ADDR ", A/binary>>}}} -> A;
                   {Peer, {exit_status, S}} -> erlang:error({peer_exited, S})
               after 30000 -> erlang:error(peer_no_addr)
               end,
        [_, PeerId] = binary:split(Addr, <<"/p2p/">>),
        {ok, H} = libp2pc:open([{mode, Mode}]),
        ok = libp2pc:await(H, libp2pc:dial(H, Addr)),
        ok = libp2pc:await(H, libp2pc:subscribe(H, Topic)),
        ?assertEqual({topic_peer_joined, Topic, PeerId}, wait_event(H, topic_peer_joined, 20000)),
        echo(H, Topic, PeerId, 10),
        ok = libp2pc:stop(H)
    after
        catch port_close(Peer)
    end.

echo(_H, _Topic, _PeerId, 0) -> erlang:error(no_echo);
echo(H, Topic, PeerId, N) ->
    Payload = <<"ping ", (integer_to_binary(N))/binary>>,
    ok = libp2pc:await(H, libp2pc:publish(H, Topic, Payload)),
    Expect = <<"echo:", Payload/binary>>,
    receive {libp2pc, H, {message, Topic, PeerId, _, Expect}} -> ok
    after 2000 -> echo(H, Topic, PeerId, N - 1)
    end.

%% A burst of 300 messages arrives complete and in publish order, and (driver
%% mode) no port callback of ours ran long enough for the VM's long_schedule
%% monitor to report it: the driver does not block a scheduler.
burst_test_() ->
    [{atom_to_list(M), {timeout, 90, fun() -> burst(M) end}} || M <- modes()].

burst(Mode) ->
    Topic = <<"burst">>,
    erlang:system_monitor(self(), [{long_schedule, 100}]),
    try
        {ok, A} = libp2pc:open([{mode, Mode}]),
        {ok, B} = libp2pc:open([{mode, Mode}]),
        {PidA, _} = listening(A),
        {PidB, [AddrB | _]} = listening(B),
        ok = libp2pc:await(A, libp2pc:dial(A, [AddrB, "/p2p/", PidB])),
        ok = libp2pc:await(A, libp2pc:subscribe(A, Topic)),
        ok = libp2pc:await(B, libp2pc:subscribe(B, Topic)),
        {topic_peer_joined, Topic, PidB} = wait_event(A, topic_peer_joined),
        N = 300,
        Tag = integer_to_binary(erlang:unique_integer([positive])),
        Reqs = [begin
                    {ok, R} = libp2pc:publish(A, Topic, <<Tag/binary, ":", (integer_to_binary(I))/binary>>),
                    R
                end || I <- lists:seq(1, N)],
        [ok = libp2pc:await(A, R) || R <- Reqs],
        Got = [receive {libp2pc, B, {message, Topic, PidA, _, D}} -> D
               after 20000 -> erlang:error({missing, I})
               end || I <- lists:seq(1, N)],
        ?assertEqual([<<Tag/binary, ":", (integer_to_binary(I))/binary>> || I <- lists:seq(1, N)], Got),
        %% after stop the handle is gone: calls fail, nothing blocks
        ok = libp2pc:stop(A),
        ?assertMatch({error, bad_handle, _}, libp2pc:publish(A, Topic, <<"late">>)),
        ok = libp2pc:stop(B),
        Ours = [A, B],
        Long = [Info || {monitor, Who, long_schedule, Info} <- flush_monitor(), lists:member(Who, Ours)],
        ?assertEqual([], Long)
    after
        erlang:system_monitor(undefined)
    end.

flush_monitor() ->
    receive {monitor, _, _, _} = M -> [M | flush_monitor()] after 0 -> [] end.

%% Open/close cycles (started and never-started nodes, close with and without
%% stop) leak no descriptors: the event fd is closed once, by libp2pc_node_destroy,
%% after the VM has let go of it (driver: stop_select).
fd_cycle_test_() ->
    [{atom_to_list(M), {timeout, 90, fun() -> fd_cycle(M) end}} || M <- modes()].

fd_cycle(Mode) ->
    %% warm up (driver loading, first node) before counting
    {ok, W} = libp2pc:open([{mode, Mode}]),
    ok = libp2pc:stop(W),
    Before = fd_count(),
    lists:foreach(fun(I) ->
        {ok, H} = libp2pc:open([{mode, Mode}, {start, I rem 3 =/= 0}]),
        case I rem 2 of
            0 -> ok = libp2pc:close(H);
            1 -> ok = libp2pc:stop(H)
        end
    end, lists:seq(1, 15)),
    ?assert(wait_fds(Before + 2, 50)),
    {ok, H2} = libp2pc:open([{mode, Mode}]),
    ?assertMatch({ok, _}, libp2pc:peer_id(H2)),
    ok = libp2pc:stop(H2).

fd_count() ->
    {ok, L} = file:list_dir("/proc/self/fd"),
    length(L).

wait_fds(Max, 0) -> fd_count() =< Max orelse erlang:error({fd_leak, fd_count(), Max});
wait_fds(Max, N) ->
    case fd_count() =< Max of
        true -> true;
        false -> timer:sleep(100), wait_fds(Max, N - 1)
    end.

%% controlling_process/2 moves event delivery to another process; the driver
%% survives being unloaded and reloaded when the processes using it exit.
handover_test_() ->
    [{atom_to_list(M), {timeout, 60, fun() -> handover(M) end}} || M <- modes()].

handover(Mode) ->
    Self = self(),
    lists:foreach(fun(_) ->
        Tmp = spawn(fun() ->
            {ok, H} = libp2pc:open([{mode, Mode}]),
            ok = libp2pc:controlling_process(H, Self),
            Self ! {handed, H}
        end),
        H = receive {handed, X} -> X after 20000 -> erlang:error(no_handover) end,
        exit(Tmp, kill),
        timer:sleep(50),
        %% events now come to us, and the node outlived the old owner
        {ok, Req} = libp2pc:subscribe(H, <<"handover">>),
        ?assertEqual(ok, libp2pc:await(H, Req)),
        ok = libp2pc:stop(H)
    end, lists:seq(1, 3)).

%% A 1 MiB payload crosses intact; above max_message_size (10 MiB) publish
%% fails synchronously with too_large.
large_test_() ->
    [{atom_to_list(M), {timeout, 90, fun() -> large(M) end}} || M <- modes()].

large(Mode) ->
    Topic = <<"large">>,
    {ok, A} = libp2pc:open([{mode, Mode}]),
    {ok, B} = libp2pc:open([{mode, Mode}]),
    {PidA, _} = listening(A),
    {PidB, [AddrB | _]} = listening(B),
    ok = libp2pc:await(A, libp2pc:dial(A, [AddrB, "/p2p/", PidB])),
    ok = libp2pc:await(A, libp2pc:subscribe(A, Topic)),
    ok = libp2pc:await(B, libp2pc:subscribe(B, Topic)),
    {topic_peer_joined, Topic, PidB} = wait_event(A, topic_peer_joined),
    Big = crypto:strong_rand_bytes(1024 * 1024),
    deliver(A, B, PidA, Topic, Big, 5),
    ?assertMatch({error, too_large, _}, libp2pc:publish(A, Topic, binary:copy(<<0>>, 10 * 1024 * 1024 + 1))),
    ok = libp2pc:stop(A),
    ok = libp2pc:stop(B).
