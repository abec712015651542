%% libp2pc_bench: event throughput of the two binding modes.
%%
%%   make bench                       (from bindings/erlang)
%%
%% Two nodes in one VM on 127.0.0.1. Node A (always {mode, driver}) publishes
%% N unique messages on a topic; node B (driver, then port_program) receives
%% them as {libp2pc, B, {message, ...}} in its owner process. Publishing is
%% pipelined with a window: the receiver acks every few messages and the
%% publisher keeps at most Window messages in flight, so neither gossipsub's
%% queues nor libp2pc's event queue drop anything (drops are counted and
%% reported anyway). Each payload starts with <<Seq:32, T0:64/signed>> where
%% T0 is erlang:monotonic_time() at publish, so the receiver gets latency.
%%
%% Environment knobs: LIBP2PC_BENCH_OUT (markdown file to write),
%% LIBP2PC_BENCH_SCALE (float, multiplies the message counts, default 1),
%% LIBP2PC_BENCH_MODES (e.g. "driver" or "driver,port_program").
-module(libp2pc_bench).
-export([main/0, main/1, run/0, run_case/1]).

%% Entry point for erl -eval: halts with 0, or 1 after printing the error.
run() ->
    try main(), halt(0)
    catch C:E:St ->
        io:format(standard_error, "bench failed: ~p:~p~n~p~n", [C, E, St]),
        halt(1)
    end.

-define(TOPIC_PREFIX, "/libp2pc/bench/").
-define(ACK_EVERY, 8).
-define(IDLE_MS, 3000).        % receiver gives up after this long without a message
-define(CASE_DEADLINE_MS, 25000).

main() -> main([]).

main(_Args) ->
    Scale = env_float("LIBP2PC_BENCH_SCALE", 1.0),
    Modes = env_modes(),
    Out = env_str("LIBP2PC_BENCH_OUT", "../../build/bench/erlang.md"),
    Cmd = env_str("LIBP2PC_BENCH_CMD", "make -C bindings/erlang bench"),
    %% {Label, Count, Size, Window}
    Sizes = [{"100 B", scale(20000, Scale), 100, env_int("LIBP2PC_BENCH_WINDOW_SMALL", 256)},
             {"100 KiB", scale(2000, Scale), 100 * 1024, env_int("LIBP2PC_BENCH_WINDOW_LARGE", 32)}],
    Repeat = env_int("LIBP2PC_BENCH_REPEAT", 3),
    T0 = erlang:monotonic_time(millisecond),
    %% Each case runs Repeat times (fresh nodes each time, modes interleaved
    %% so drift on a shared machine hits both); the table shows the run with
    %% the median msg/s, and received/lost/dup/drops/busy summed over all runs.
    Runs = [{M, L, run_case(#{mode => M, label => L, count => N, size => S, window => W})}
            || _ <- lists:seq(1, Repeat), {L, N, S, W} <- Sizes, M <- Modes],
    Results = [median_run([R || {M1, L1, R} <- Runs, M1 =:= M, L1 =:= L])
               || M <- Modes, {L, _, _, _} <- Sizes],
    Elapsed = (erlang:monotonic_time(millisecond) - T0) / 1000,
    Table = table(Results),
    Doc = [
        "# Erlang binding: event throughput (driver vs port_program)\n\n",
        "Command: `", Cmd, "`\n\n",
        io_lib:format("Two nodes in one VM on 127.0.0.1 (OTP ~s, ~b schedulers, ~s). "
                      "Node A (driver mode) publishes unique payloads, pipelined "
                      "(at most *window* unacknowledged messages in flight); node B "
                      "(the mode in the table) receives them as Erlang messages. "
                      "Rates are messages and payload MB (10^6 B) received by B's "
                      "owner process, from the first publish to the last message; "
                      "each case ran ~b times with fresh nodes, the row is the run "
                      "with the median msg/s (MB/s and latency from that run). "
                      "Latency: erlang:monotonic_time() at publish (inside the "
                      "payload) to receipt in B's owner.\n\n",
                      [erlang:system_info(otp_release),
                       erlang:system_info(schedulers_online), host_info(), Repeat]),
        Table,
        "\nDrops: *lost* = published but never received; *dup* = received twice; "
        "*drops* = libp2pc counters dropped_gossip + dropped_subscription + "
        "dropped_outbound_rpcs + dropped_errors over A and B, plus `{drops, _, _}` "
        "events seen by B; *busy* = publish calls refused with queue_full (retried).\n\n",
        io_lib:format("Total run: ~.1f s.~n", [Elapsed])],
    io:put_chars(["\n", Doc]),
    ok = filelib:ensure_dir(Out),
    ok = file:write_file(Out, Doc),
    io:format("~nwritten to ~s~n", [filename:absname(Out)]),
    Bad = [R || R = #{lost := Lost} <- Results, Lost > 0],
    case Bad of
        [] -> ok;
        _ -> io:format("WARNING: ~b case(s) lost messages~n", [length(Bad)])
    end,
    ok.

%% --- one case ---------------------------------------------------------------

run_case(#{mode := Mode, label := Label, count := N, size := Size, window := Window}) ->
    io:format("~s ~s x ~b (window ~b) ... ", [Mode, Label, N, Window]),
    Run = integer_to_binary(erlang:unique_integer([positive])),
    Topic = <<?TOPIC_PREFIX, (atom_to_binary(Mode, utf8))/binary, "/", Run/binary>>,
    Parent = self(),
    %% B lives in its own process: the owner gets the events, so the numbers
    %% are those of an Erlang process consuming the node's messages.
    Recv = spawn_link(fun() -> receiver_init(Parent, Mode, Topic) end),
    {IdB, AddrB} = receive {Recv, ready, I, Ad} -> {I, Ad} after 20000 -> exit(no_receiver) end,
    {ok, A} = libp2pc:open([{mode, driver}]),
    {listening, IdA, _} = wait_event(A, listening),
    ok = libp2pc:await(A, libp2pc:dial(A, [AddrB, "/p2p/", IdB])),
    ok = libp2pc:await(A, libp2pc:subscribe(A, Topic)),
    Recv ! {go, IdA},
    {topic_peer_joined, Topic, IdB} = wait_event(A, topic_peer_joined),
    receive {Recv, subscribed} -> ok after 20000 -> exit(no_subscribe) end,
    warm_up(A, Topic, Recv, 50),
    flush_owner(A),
    Recv ! {measure, self(), N},
    Fill = binary:copy(<<"x">>, max(0, Size - 12 - byte_size(Run) - 1)),
    Start = erlang:monotonic_time(),
    {Busy, PubEnd} = publish_loop(A, Topic, Run, Fill, 0, N, Window, 0, 0, Start),
    Stats = receive {Recv, stats, S} -> S after ?CASE_DEADLINE_MS + 10000 -> exit(no_stats) end,
    {ok, CA} = libp2pc:counters(A),
    Recv ! {stop, self()},
    CB = receive {Recv, counters, C} -> C after 20000 -> #{} end,
    ok = libp2pc:stop(A),
    unlink(Recv),
    #{got := Got, dups := Dups, last := Last, lat := Lat, drop_events := DropEv} = Stats,
    Secs = max(1, erlang:convert_time_unit(Last - Start, native, microsecond)) / 1.0e6,
    PubSecs = erlang:convert_time_unit(PubEnd - Start, native, microsecond) / 1.0e6,
    Drops = lists:sum([maps:get(K, M, 0) || M <- [CA, CB],
                       K <- [dropped_gossip, dropped_subscription,
                             dropped_outbound_rpcs, dropped_errors]]) + DropEv,
    Sorted = lists:sort(Lat),
    R = #{mode => Mode, label => Label, count => N, size => Size, window => Window,
          got => Got, lost => N - Got, dups => Dups, drops => Drops, busy => Busy,
          secs => Secs, pub_secs => PubSecs,
          msgs_s => Got / Secs, mb_s => Got * Size / Secs / 1.0e6,
          p50 => pct(Sorted, 0.50), p99 => pct(Sorted, 0.99),
          counters_a => CA, counters_b => CB},
    io:format("~b/~b in ~.2f s: ~b msg/s, ~.1f MB/s, p50 ~.2f ms, p99 ~.2f ms, "
              "drops ~b, busy ~b~n",
              [Got, N, Secs, round(maps:get(msgs_s, R)), maps:get(mb_s, R),
               maps:get(p50, R), maps:get(p99, R), Drops, Busy]),
    R.

%% Sends unique warm-up messages until one arrives (the mesh / stream is up).
warm_up(_A, _Topic, _Recv, 0) -> exit(warm_up_failed);
warm_up(A, Topic, Recv, K) ->
    Recv ! {warm, self()},
    {ok, _} = libp2pc:publish(A, Topic, <<"warm-", (integer_to_binary(K))/binary>>),
    receive {Recv, warmed} -> ok
    after 300 -> warm_up(A, Topic, Recv, K - 1)
    end.

%% Pipelined publishing. Acked = messages the receiver reported so far.
publish_loop(A, Topic, Run, Fill, Seq, N, Window, Acked, Busy, Start) ->
    {Acked1, Done} = drain(A, Acked),
    Deadline = erlang:convert_time_unit(?CASE_DEADLINE_MS, millisecond, native),
    Late = erlang:monotonic_time() - Start > Deadline,
    if
        Done; Seq >= N; Late ->
            {Busy, erlang:monotonic_time()};
        Seq - Acked1 >= Window ->
            %% window full: block for the next ack (or give up after a while,
            %% a lost message must not stall the run)
            receive
                {ack, K} -> publish_loop(A, Topic, Run, Fill, Seq, N, Window, max(K, Acked1), Busy, Start);
                {done, _} -> {Busy, erlang:monotonic_time()}
            after 500 ->
                publish_loop(A, Topic, Run, Fill, Seq, N, Window, Seq - Window + 1, Busy, Start)
            end;
        true ->
            T = erlang:monotonic_time(),
            Payload = <<Seq:32, T:64/signed, Run/binary, $:, Fill/binary>>,
            case libp2pc:publish(A, Topic, Payload) of
                {ok, _} ->
                    publish_loop(A, Topic, Run, Fill, Seq + 1, N, Window, Acked1, Busy, Start);
                {error, queue_full, _} ->
                    timer:sleep(1),
                    publish_loop(A, Topic, Run, Fill, Seq, N, Window, Acked1, Busy + 1, Start);
                {error, C, M} ->
                    exit({publish_failed, C, M})
            end
    end.

%% Takes everything waiting in the publisher's mailbox (request_done events
%% from A, acks from the receiver) without blocking.
drain(A, Acked) ->
    receive
        {ack, K} -> drain(A, max(K, Acked));
        {done, _} -> {Acked, true};
        {libp2pc, A, {request_done, _, ok}} -> drain(A, Acked);
        {libp2pc, A, {request_done, _, {error, C, M}}} -> exit({publish_failed, C, M});
        {libp2pc, A, _} -> drain(A, Acked)
    after 0 -> {Acked, false}
    end.

flush_owner(A) ->
    receive {libp2pc, A, _} -> flush_owner(A); {ack, _} -> flush_owner(A); {done, _} -> flush_owner(A)
    after 0 -> ok
    end.

%% --- receiver (owner of B) -----------------------------------------------------

receiver_init(Parent, Mode, Topic) ->
    {ok, B} = libp2pc:open([{mode, Mode}]),
    {listening, IdB, [AddrB | _]} = wait_event(B, listening),
    Parent ! {self(), ready, IdB, AddrB},
    IdA = receive {go, I} -> I end,
    ok = libp2pc:await(B, libp2pc:subscribe(B, Topic)),
    {topic_peer_joined, Topic, IdA} = wait_event(B, topic_peer_joined),
    Parent ! {self(), subscribed},
    receiver_warm(Parent, B, Topic).

receiver_warm(Parent, B, Topic) ->
    receive
        {warm, _} -> receiver_warm(Parent, B, Topic);
        {libp2pc, B, {message, Topic, _, _, <<"warm-", _/binary>>}} ->
            Parent ! {self(), warmed},
            receiver_warm(Parent, B, Topic);
        {libp2pc, B, _} -> receiver_warm(Parent, B, Topic);
        {measure, Pub, N} ->
            Seen = atomics:new(max(1, N), []),
            Stats = recv_loop(B, Topic, Pub, N, Seen, 0, 0, 0, [], 0),
            Parent ! {self(), stats, Stats},
            receive {stop, From} -> ok end,
            C = case libp2pc:counters(B) of {ok, M} -> M; _ -> #{} end,
            From ! {self(), counters, C},
            libp2pc:stop(B)
    end.

recv_loop(_B, _Topic, Pub, N, _Seen, Got, Dups, Last, Lat, DropEv) when Got >= N ->
    Pub ! {done, Got},
    #{got => Got, dups => Dups, last => Last, lat => Lat, drop_events => DropEv};
recv_loop(B, Topic, Pub, N, Seen, Got, Dups, Last, Lat, DropEv) ->
    receive
        {libp2pc, B, {message, Topic, _From, _MsgId, <<Seq:32, T:64/signed, _/binary>>}}
          when Seq < N ->
            Now = erlang:monotonic_time(),
            case atomics:exchange(Seen, Seq + 1, 1) of
                0 ->
                    Got1 = Got + 1,
                    (Got1 rem ?ACK_EVERY =:= 0) andalso (Pub ! {ack, Got1}),
                    recv_loop(B, Topic, Pub, N, Seen, Got1, Dups, Now, [Now - T | Lat], DropEv);
                _ ->
                    recv_loop(B, Topic, Pub, N, Seen, Got, Dups + 1, Last, Lat, DropEv)
            end;
        {libp2pc, B, {drops, G, E}} ->
            recv_loop(B, Topic, Pub, N, Seen, Got, Dups, Last, Lat, DropEv + G + E);
        {libp2pc, B, _} ->
            recv_loop(B, Topic, Pub, N, Seen, Got, Dups, Last, Lat, DropEv)
    after ?IDLE_MS ->
        Pub ! {done, Got},
        #{got => Got, dups => Dups, last => Last, lat => Lat, drop_events => DropEv}
    end.

median_run(Rs) ->
    Sorted = lists:sort(fun(#{msgs_s := X}, #{msgs_s := Y}) -> X =< Y end, Rs),
    Med = lists:nth((length(Sorted) + 1) div 2, Sorted),
    Sum = fun(K) -> lists:sum([maps:get(K, R) || R <- Rs]) end,
    Med#{runs => length(Rs), count => Sum(count), got => Sum(got),
         lost => Sum(lost), dups => Sum(dups), drops => Sum(drops), busy => Sum(busy),
         range => {lists:min([maps:get(msgs_s, R) || R <- Rs]),
                   lists:max([maps:get(msgs_s, R) || R <- Rs])}}.

%% --- output -------------------------------------------------------------------

table(Results) ->
    H = "| B mode | payload | runs x msgs | window | received | msg/s (median) | msg/s (min..max) | MB/s | p50 ms | p99 ms | lost | dup | drops | busy |\n"
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    Rows = [io_lib:format("| ~s | ~s | ~b x ~b | ~b | ~b | ~s | ~s..~s | ~.1f | ~.2f | ~.2f | ~b | ~b | ~b | ~b |~n",
                          [M, L, Runs, N div Runs, W, G, thousands(round(Ms)),
                           thousands(round(Lo0)), thousands(round(Hi0)),
                           Mb, P50, P99, Lo, D, Dr, Bu])
            || #{mode := M, label := L, count := N, runs := Runs, window := W, got := G,
                 msgs_s := Ms, range := {Lo0, Hi0},
                 mb_s := Mb, p50 := P50, p99 := P99, lost := Lo, dups := D,
                 drops := Dr, busy := Bu} <- Results],
    [H | Rows].

pct([], _) -> 0.0;
pct(Sorted, P) ->
    Len = length(Sorted),
    I = min(Len, max(1, ceil(P * Len))),
    erlang:convert_time_unit(lists:nth(I, Sorted), native, microsecond) / 1000.

thousands(N) when N < 1000 -> integer_to_list(N);
thousands(N) -> thousands(N div 1000) ++ "," ++ io_lib:format("~3..0b", [N rem 1000]).

host_info() ->
    Cpus = case file:read_file("/proc/cpuinfo") of
               {ok, B} ->
                   case re:run(B, "model name\\s*:\\s*([^\\n]*)", [{capture, all_but_first, binary}]) of
                       {match, [Model]} -> binary_to_list(Model);
                       _ -> "unknown CPU"
                   end;
               _ -> "unknown CPU"
           end,
    io_lib:format("~p logical CPUs, ~s", [erlang:system_info(logical_processors_available), Cpus]).

wait_event(H, Type) ->
    receive
        {libp2pc, H, Ev} when element(1, Ev) =:= Type -> Ev
    after 15000 -> exit({no_event, Type})
    end.

scale(N, S) -> max(1, round(N * S)).

env_str(K, Def) ->
    case os:getenv(K) of
        V when is_list(V), V =/= "" -> V;
        _ -> Def
    end.

env_int(K, Def) ->
    case os:getenv(K) of
        V when is_list(V), V =/= "" -> list_to_integer(V);
        _ -> Def
    end.

env_float(K, Def) ->
    case os:getenv(K) of
        V when is_list(V), V =/= "" ->
            try list_to_float(V) catch _:_ -> float(list_to_integer(V)) end;
        _ -> Def
    end.

env_modes() ->
    S = env_str("LIBP2PC_BENCH_MODES", "driver,port_program"),
    [case M of "driver" -> driver; "port_program" -> port_program end
     || M <- string:lexemes(S, ", ")].
