%% EUnit tests of the OTP application (libp2pc_app, libp2pc_sup,
%% libp2pc_node, libp2pc_nif) against the built library: the chain from the
%% project's generator (LIBP2PC_CHAIN_DIR, written by `make test`), eth2
%% req/resp and gossip validation between two nodes, the membership
%% transport, metrics and logs, errors, timeouts and owner supervision.
-module(libp2pc_node_tests).
-include_lib("eunit/include/eunit.hrl").

-define(WAIT, 20000).
-define(BBR, <<"/eth2/beacon_chain/req/beacon_blocks_by_range/2/ssz_snappy">>).

chain_dir() ->
    case os:getenv("LIBP2PC_CHAIN_DIR") of
        false -> error("LIBP2PC_CHAIN_DIR is not set: run `make test` (it runs chaingen)");
        D -> D
    end.

chain_file(Name) ->
    {ok, B} = file:read_file(filename:join(chain_dir(), Name)),
    B.

eth2_config() ->
    <<_:8/binary, Gvr:32/binary, _/binary>> = chain_file("genesis.ssz"),
    #{genesis_time => erlang:system_time(second) - 3600, genesis_validators_root => Gvr,
      config_yaml => chain_file("config.yaml")}.

%% The first event of node N matching Pred, within ?WAIT. Events of N that
%% do not match are put back in the mailbox (in their order) for later waits.
event(N, Pred) -> event(N, Pred, erlang:monotonic_time(millisecond) + ?WAIT, []).

event(N, Pred, Deadline, Skipped) ->
    Left = max(0, Deadline - erlang:monotonic_time(millisecond)),
    receive {libp2pc, N, Ev} = M ->
        case Pred(Ev) of
            true -> put_back(Skipped), Ev;
            false -> event(N, Pred, Deadline, [M | Skipped])
        end
    after Left -> put_back(Skipped), error({no_event, N})
    end.

put_back(Skipped) -> [self() ! M || M <- lists:reverse(Skipped)], ok.

type(T) -> fun(#{type := X}) -> X =:= T end.

setup() ->
    {ok, _} = application:ensure_all_started(libp2pc),
    ok.

otp_test_() ->
    {setup, fun setup/0, fun(_) -> application:stop(libp2pc) end,
     [{timeout, 60, fun application_and_library/0},
      {timeout, 60, fun chain_follows_the_generated_blocks/0},
      {timeout, 60, fun eth2_reqresp_gossip_and_discovery/0},
      {timeout, 60, fun membership_metrics_and_logs/0},
      {timeout, 60, fun timeouts_errors_and_owner_death/0}]}.

application_and_library() ->
    ?assertMatch({2, Minor} when Minor >= 1, libp2pc_node:abi_version()),
    ?assertEqual(<<"block_imported">>, libp2pc_node:event_type_name(18)),
    ?assertMatch({error, internal, _}, libp2pc_node:debug_panic()),
    {ok, N} = libp2pc_node:new(#{listen => [<<"/ip4/127.0.0.1/tcp/0">>]}),
    %% One supervised server per node.
    ?assert(lists:keymember(N, 2, supervisor:which_children(libp2pc_sup))),
    ok = libp2pc_node:destroy(N),
    ?assertNot(is_process_alive(N)),
    ?assertMatch({error, bad_handle, _}, libp2pc_node:peer_id(N)),
    ?assertMatch({error, invalid_argument, _}, libp2pc_node:new(#{listen => [<<"not a multiaddr">>]})).

chain_follows_the_generated_blocks() ->
    Genesis = chain_file("genesis.ssz"),
    {ok, N} = libp2pc_node:new(#{listen => [<<"/ip4/127.0.0.1/tcp/0">>]}),
    ok = libp2pc_node:eth2_configure(N, eth2_config()),
    ok = libp2pc_node:start(N),
    ?assertMatch({error, bad_state, _}, libp2pc_node:chain_head(N)),
    ?assertMatch({error, bad_state, _}, libp2pc_node:chain_da_counters(N)),
    Dir = filename:join(os:getenv("TMPDIR", "/tmp"), "libp2pc-erl-store-" ++ os:getpid()),
    os:cmd("rm -rf " ++ Dir),
    %% The 2.2 fields are checked before the library sees them.
    ?assertMatch({error, invalid_argument, _},
                 libp2pc_node:chain_start(N, #{data_dir => Dir, jwt_secret => <<1, 2, 3>>})),
    ?assertMatch({error, invalid_argument, _},
                 libp2pc_node:chain_start(N, #{data_dir => Dir, allow_stale_checkpoint => maybe})),
    ok = libp2pc_node:chain_start(N, #{data_dir => Dir, anchor_state => Genesis,
                                       config_yaml => chain_file("config.yaml"),
                                       backfill_epochs => 0, allow_stale_checkpoint => false,
                                       custody_group_count => 0}),
    {ok, Anchor, 0} = libp2pc_node:chain_head(N),
    {ok, Anchor, 0} = libp2pc_node:chain_finalized(N),
    ?assertEqual({ok, Genesis}, libp2pc_node:get_state(N, Anchor)),
    Blocks = [chain_file("block_" ++ integer_to_list(I) ++ ".ssz") || I <- [1, 2, 3]],
    Roots = [begin {ok, R} = libp2pc_node:chain_submit_block(N, B), R end || B <- Blocks],
    lists:foldl(fun({Slot, Root}, Parent) ->
                        #{code := Slot, data := <<Root:32/binary, Parent:32/binary, _:32/binary>>} =
                            event(N, fun(#{type := block_imported, data := <<R:32/binary, _/binary>>}) -> R =:= Root;
                                        (_) -> false end),
                        Root
                end, Anchor, lists:zip([1, 2, 3], Roots)),
    Last = lists:last(Roots),
    #{code := 3} = event(N, fun(#{type := head_changed, data := D}) -> D =:= Last; (_) -> false end),
    ?assertEqual({ok, Last, 3}, libp2pc_node:chain_head(N)),
    ?assertEqual({ok, hd(Blocks)}, libp2pc_node:get_block(N, hd(Roots))),
    {ok, #{blocks_imported := 3, head_slot := 3}} = libp2pc_node:chain_sync_status(N),
    ?assertMatch({error, invalid_argument, _}, libp2pc_node:chain_submit_block(N, <<"not a block">>)),
    %% Data availability (ABI 2.2): a phase0 chain stores no sidecars and
    %% its blocks carry no blobs.
    {ok, #{blocks_waited := 0, waiting := 0, sidecars_stored := 0}} = libp2pc_node:chain_da_counters(N),
    ?assertMatch({error, not_found, _}, libp2pc_node:get_sidecars(N, hd(Roots))),
    ?assertMatch({error, invalid_argument, _}, libp2pc_node:chain_propose_blobs(N, <<>>, [])),
    ?assertMatch({error, invalid_argument, _}, libp2pc_node:chain_propose_blobs(N, hd(Blocks), [<<"short">>])),
    ?assertMatch({error, invalid_argument, _},
                 libp2pc_node:chain_propose_blobs(N, hd(Blocks), [binary:copy(<<0>>, 131072)])),
    {ok, Metrics} = libp2pc_node:metrics_text(N),
    ?assertNotEqual(nomatch, binary:match(Metrics, <<"\nbeacon_head_slot 3\n">>), [L || L <- binary:split(Metrics, <<"\n">>, [global]), binary:match(L, <<"head_slot">>) =/= nomatch]),
    ok = libp2pc_node:stop(N),
    #{type := stopped} = event(N, type(stopped)),
    ok = libp2pc_node:destroy(N),
    os:cmd("rm -rf " ++ Dir).

listening_addr(N) ->
    #{addrs := Addrs, peer_id := Id} = event(N, type(listening)),
    [Tcp | _] = [A || A <- Addrs, binary:match(A, <<"/tcp/">>) =/= nomatch],
    {Id, <<Tcp/binary, "/p2p/", Id/binary>>}.

eth2_reqresp_gossip_and_discovery() ->
    {ok, A} = libp2pc_node:new(#{listen => [<<"/ip4/127.0.0.1/tcp/0">>]}),
    {ok, B} = libp2pc_node:new(#{listen => [<<"/ip4/127.0.0.1/tcp/0">>]}),
    [ok = libp2pc_node:eth2_configure(X, eth2_config()) || X <- [A, B]],
    ok = libp2pc_node:discovery_configure(A, #{listen_udp => <<"127.0.0.1:0">>}),
    {ok, Digest} = libp2pc_node:fork_digest(A),
    [ok = libp2pc_node:set_status(X, #{fork_digest => Digest}) || X <- [A, B]],
    ok = libp2pc_node:set_metadata(B, #{seq_number => 9, attnets => <<1, 0, 0, 0, 0, 0, 0, 0>>}),
    ok = libp2pc_node:serve(B, ?BBR, by_host),
    ok = libp2pc_node:set_reqresp_timeouts(A, 5000, 0, 0),
    ok = libp2pc_node:start(A),
    ok = libp2pc_node:start(B),
    {IdA, _} = listening_addr(A),
    {IdB, AddrB} = listening_addr(B),
    {ok, <<"enr:-", _/binary>>} = libp2pc_node:enr(A),
    {ok, #{enr_seq := Seq0}} = libp2pc_node:discovery_counters(A),
    ?assertEqual({ok, Seq0 + 1}, libp2pc_node:update_enr(A, <<255, 255, 255, 255, 255, 255, 255, 255>>, undefined, undefined)),
    ok = libp2pc_node:eth2_subscribe(A, <<"beacon_block">>, host),
    ok = libp2pc_node:eth2_subscribe(B, <<"beacon_block">>, none),
    ok = libp2pc_node:dial(A, AddrB),
    #{status := ok, data := <<Digest:4/binary, _/binary>>} =
        event(A, fun(#{type := peer_status, peer_id := P}) -> P =:= IdB; (_) -> false end),

    %% Req/resp: B's owner (this process) answers from the event; A's call
    %% returns the chunks once the request is done. The request runs in a
    %% helper process, since this one must answer it.
    Block = chain_file("block_1.ssz"),
    Body = <<1:64/little, 1:64/little, 1:64/little>>,
    Self = self(),
    spawn_link(fun() -> Self ! {chunks, libp2pc_node:request(A, IdB, ?BBR, Body, 10000)} end),
    #{request_id := In, peer_id := IdA, protocol := ?BBR, data := Body} = event(B, type(incoming_request)),
    ok = libp2pc_node:respond_chunk(B, In, Digest, Block),
    ok = libp2pc_node:respond_end(B, In),
    ?assertMatch({error, not_found, _}, libp2pc_node:respond_end(B, In)),
    {ok, [#{code := 0, context := Digest, data := Block, protocol := ?BBR}]} =
        receive {chunks, C} -> C after ?WAIT -> error(no_chunks) end,
    spawn_link(fun() -> Self ! {chunks, libp2pc_node:request(A, IdB, ?BBR, Body, 10000)} end),
    #{request_id := In2} = event(B, fun(#{type := incoming_request, request_id := I}) -> I =/= In; (_) -> false end),
    ok = libp2pc_node:respond_error(B, In2, 3, <<"no blocks">>),
    {ok, [#{code := 3, data := <<"no blocks">>}]} = receive {chunks, C2} -> C2 after ?WAIT -> error(no_chunks) end,
    {ok, [#{data := <<9:64/little, 1, 0, 0, 0, 0, 0, 0, 0, _/binary>>}]} =
        libp2pc_node:request(A, IdB, <<"/eth2/beacon_chain/req/metadata/2/ssz_snappy">>, <<>>, 10000),

    %% Gossip with host validation.
    event(B, fun(#{type := topic_peer_joined, peer_id := P}) -> P =:= IdA; (_) -> false end),
    ok = libp2pc_node:eth2_publish(B, <<"beacon_block">>, Block),
    #{request_id := V, data := Block} = event(A, type(gossip_validate)),
    ok = libp2pc_node:report_validation(A, V, accept),
    #{data := Block} = event(A, type(message)),
    Block2 = chain_file("block_2.ssz"),
    ok = libp2pc_node:eth2_publish_nowait(B, <<"beacon_block">>, Block2),
    #{request_id := V2} = event(A, fun(#{type := gossip_validate, data := D}) -> D =:= Block2; (_) -> false end),
    ok = libp2pc_node:report_validation(A, V2, ignore),
    {ok, #{dropped := 0, failed := 0}} = libp2pc_node:eth2_publish_nowait_counters(B),
    {ok, #{topics := [#{accepted := 1} | _]}} = libp2pc_node:eth2_counters(A),

    {ok, Table} = libp2pc_node:peer_table(A),
    [#{connected := true, has_status := true, fork_digest := Digest}] = [R || #{peer_id := P} = R <- Table, P =:= IdB],
    ok = libp2pc_node:goodbye(A, IdB, 3),
    #{code := 3} = event(B, type(peer_goodbye)),
    ok = libp2pc_node:ban(A, IdB, 120, 0),
    #{peer_id := IdB} = event(A, type(peer_banned)),
    {ok, #{bans := Bans}} = libp2pc_node:discovery_counters(A),
    ?assert(Bans >= 1),
    {ok, #{requests_sent := Sent}} = libp2pc_node:reqresp_counters(A),
    ?assert(Sent >= 3),
    ok = libp2pc_node:eth2_unsubscribe(A, <<"beacon_block">>),
    [ok = libp2pc_node:destroy(X) || X <- [A, B]].

membership_metrics_and_logs() ->
    ok = libp2pc_node:set_log_callback(0, self()),
    {ok, A} = libp2pc_node:new(#{listen => [<<"/ip4/127.0.0.1/tcp/0">>]}),
    {ok, B} = libp2pc_node:new(#{listen => [<<"/ip4/127.0.0.1/tcp/0">>]}),
    ok = libp2pc_node:start(A),
    ok = libp2pc_node:start(B),
    {ok, IdA} = libp2pc_node:peer_id(A),
    #{logger := <<"libp2pc/node">>} = wait_log(IdA),
    ok = libp2pc_node:set_log_callback(0, undefined),
    {ok, <<"a">>} = libp2pc_node:membership_start(A, {tcp, undefined, <<"a">>}),
    {ok, <<"b">>} = libp2pc_node:membership_start(B, {tcp, undefined, <<"b">>}),
    {ok, AddrA} = libp2pc_node:membership_addr(A),
    {ok, AddrB} = libp2pc_node:membership_addr(B),
    Members = [{<<"a">>, AddrA}, {<<"b">>, AddrB}],
    ok = libp2pc_node:membership_set(A, Members),
    ok = libp2pc_node:membership_set(B, Members),
    ok = libp2pc_node:member_send(A, <<"b">>, <<"direct">>),
    ok = libp2pc_node:member_broadcast(A, <<"to all">>),
    ?assertMatch({error, not_found, _}, libp2pc_node:member_send(A, <<"nobody">>, <<"x">>)),
    #{peer_id := <<"a">>, data := <<"direct">>} = event(B, type(member_message)),
    #{data := <<"to all">>} = event(B, type(member_message)),
    {ok, #{enqueued := 2, members := 2}} = libp2pc_node:membership_counters(A),
    {ok, #{enqueued := 2}} = libp2pc_node:member_counters(A, <<"b">>),
    {ok, []} = libp2pc_node:peers(A),
    {ok, #{events_delivered := D}} = libp2pc_node:counters(A),
    ?assert(D >= 2),
    {ok, Bound} = libp2pc_node:metrics_serve(A, <<"127.0.0.1:0">>),
    [Host, Port] = string:split(binary_to_list(Bound), ":"),
    {ok, S} = gen_tcp:connect(Host, list_to_integer(Port), [binary, {active, false}]),
    ok = gen_tcp:send(S, <<"GET /metrics HTTP/1.0\r\n\r\n">>),
    Resp = recv_all(S, <<>>),
    ?assertMatch(<<"HTTP/1.", _:1/binary, " 200", _/binary>>, Resp),
    ?assertNotEqual(nomatch, binary:match(Resp, <<"libp2pc_event_queue_depth">>)),
    [ok = libp2pc_node:destroy(X) || X <- [A, B]].

wait_log(Id) ->
    receive {libp2pc_log, #{message := <<"node started">>, attrs := Attrs} = R} ->
        case lists:member({<<"peer_id">>, Id}, Attrs) of true -> R; false -> wait_log(Id) end;
            {libp2pc_log, _} -> wait_log(Id)
    after ?WAIT -> error(no_log_record)
    end.

recv_all(S, Acc) ->
    case gen_tcp:recv(S, 0, ?WAIT) of
        {ok, B} -> recv_all(S, <<Acc/binary, B/binary>>);
        {error, closed} -> Acc
    end.

timeouts_errors_and_owner_death() ->
    {ok, A} = libp2pc_node:new(#{listen => [<<"/ip4/127.0.0.1/tcp/0">>]}),
    %% Before start: a request is refused at once, not parked.
    ?assertMatch({error, bad_state, _}, libp2pc_node:dial(A, <<"/ip4/127.0.0.1/tcp/1/p2p/16Uiu2HAm3tABNPmWNcp2FwhnAJBN1VSDW35xrMZTDcyZUrxcpnMH">>)),
    %% A start given no time to complete returns a timeout error, never ok.
    ?assertMatch({error, timeout, _}, libp2pc_node:start(A, 0)),
    #{type := request_done} = event(A, type(request_done)),
    ?assertMatch({error, bad_state, _}, libp2pc_node:start(A)),
    ?assertMatch({error, invalid_argument, _}, libp2pc_node:eth2_subscribe(A, <<"beacon_block">>, maybe)),
    ok = libp2pc_node:stop(A),
    ok = libp2pc_node:destroy(A),
    %% A node whose owner exits is stopped and its server ends.
    Self = self(),
    Owner = spawn(fun() -> {ok, N} = libp2pc_node:new(#{}), Self ! {node, N}, receive stop -> ok end end),
    N = receive {node, X} -> X after ?WAIT -> error(no_node) end,
    Ref = monitor(process, N),
    Owner ! stop,
    receive {'DOWN', Ref, process, N, _} -> ok after ?WAIT -> error(node_outlived_owner) end.
