%% The libp2pc application: starts libp2pc_sup.
-module(libp2pc_app).
-behaviour(application).
-export([start/2, stop/1]).

start(_Type, _Args) -> libp2pc_sup:start_link().

stop(_State) -> ok.
