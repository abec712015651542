%% A node in a second VM, for the two-VM test. Started as
%%   erl -noshell -pa ebin -s libp2pc_peer main Mode Topic
%% It prints "ADDR <multiaddr>/p2p/<id>", then answers every message on
%% Topic with <<"echo:", Data/binary>>, and halts when stdin closes.
-module(libp2pc_peer).
-export([main/1]).

main([ModeA, TopicA]) ->
    Mode = list_to_atom(atom_to_list(ModeA)),
    Topic = atom_to_binary(TopicA, utf8),
    Self = self(),
    spawn_link(fun() -> stdin_watch(Self) end),
    {ok, H} = libp2pc:open([{mode, Mode}]),
    {listening, Id, [Addr | _]} = receive {libp2pc, H, {listening, _, _} = L} -> L end,
    ok = libp2pc:await(H, libp2pc:subscribe(H, Topic)),
    io:format("ADDR ~s/p2p/~s~n", [Addr, Id]),
    loop(H, Topic).

loop(H, Topic) ->
    receive
        {libp2pc, H, {message, Topic, _From, _MsgId, Data}} ->
            _ = libp2pc:publish(H, Topic, <<"echo:", Data/binary>>),
            loop(H, Topic);
        {libp2pc, H, _} ->
            loop(H, Topic);
        stdin_closed ->
            libp2pc:stop(H, 5000),
            halt(0)
    end.

stdin_watch(Parent) ->
    case io:get_line('') of
        eof -> Parent ! stdin_closed;
        {error, _} -> Parent ! stdin_closed;
        _ -> stdin_watch(Parent)
    end.
