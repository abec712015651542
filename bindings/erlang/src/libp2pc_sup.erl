%% libp2pc_sup: a simple_one_for_one supervisor of libp2pc_node servers.
%% Nodes are temporary: a node that crashed lost its libp2p identity's
%% connections and its owner's requests, so restarting it behind the
%% owner's back would hide that; the owner (monitoring it) decides.
-module(libp2pc_sup).
-behaviour(supervisor).
-export([start_link/0, start_node/2, init/1]).

start_link() -> supervisor:start_link({local, ?MODULE}, ?MODULE, []).

%% Starts a node server owned by Owner (it gets the node's events).
start_node(Owner, Opts) -> supervisor:start_child(?MODULE, [Owner, Opts]).

init([]) ->
    Child = #{id => libp2pc_node, start => {libp2pc_node, start_link, []},
              restart => temporary, shutdown => 10000, type => worker, modules => [libp2pc_node]},
    {ok, {#{strategy => simple_one_for_one, intensity => 10, period => 10}, [Child]}}.
