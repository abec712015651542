%% libp2pc_nif: the NIFs of c_src/libp2pc_nif.c, one per function of
%% include/libp2pc.h (the struct initialisers, the free functions and
%% libp2pc_init are used inside the NIF). Use libp2pc_node, the per-node
%% gen_server, rather than this module: a resource here is one node, and its
%% events go to the pid given to new/2 as {libp2pc_nif_event, Handle, Event}.
%%
%% Dirty schedulers: new/2, eth2_configure/2, metrics_serve/2,
%% membership_start/4, get_block/2 and get_state/2 (file or socket I/O) run
%% on dirty I/O schedulers; eth2_publish/3, chain_start/2 and
%% chain_submit_block/2 (compression, decoding, large copies) on dirty CPU;
%% get_sidecars/2 on dirty I/O and chain_propose_blobs/3 on dirty CPU.
-module(libp2pc_nif).
-on_load(load/0).

-export([abi_version/0, event_type_name/1, strerror/1, debug_panic/0, set_log_callback/2,
         new/2, start/1, stop/1, destroy/1, peer_id/1, dial/2, disconnect/2, peers/1,
         subscribe/2, unsubscribe/2, publish/3, counters/1, metrics_text/1, metrics_serve/2,
         membership_start/4, membership_addr/1, membership_set/2, member_send/3,
         member_broadcast/2, membership_counters/1, member_counters/2,
         eth2_configure/2, eth2_subscribe/3, eth2_unsubscribe/2, eth2_publish/3,
         report_validation/3, eth2_counters/1, eth2_publish_nowait/3,
         eth2_publish_nowait_counters/1, set_reqresp_timeouts/4, set_status/2,
         set_metadata/2, serve/3, request/5, respond_chunk/4, respond_end/2,
         respond_error/4, goodbye/3, reqresp_counters/1, chain_start/2, chain_head/1,
         chain_finalized/1, get_block/2, get_state/2, chain_submit_block/2,
         chain_sync_status/1, chain_da_counters/1, get_sidecars/2, chain_propose_blobs/3,
         discovery_configure/2, fork_digest/1, enr/1, update_enr/4,
         peer_table/1, ban/4, discovery_counters/1]).

-define(NIF, erlang:nif_error({not_loaded, ?MODULE})).

load() ->
    erlang:load_nif(filename:join(libp2pc:priv_dir(), "libp2pc_nif"), 0).

abi_version() -> ?NIF.
event_type_name(_Type) -> ?NIF.
strerror(_Code) -> ?NIF.
debug_panic() -> ?NIF.
set_log_callback(_MinLevel, _PidOrUndefined) -> ?NIF.
new(_Opts, _Owner) -> ?NIF.
start(_N) -> ?NIF.
stop(_N) -> ?NIF.
destroy(_N) -> ?NIF.
peer_id(_N) -> ?NIF.
dial(_N, _Multiaddr) -> ?NIF.
disconnect(_N, _PeerId) -> ?NIF.
peers(_N) -> ?NIF.
subscribe(_N, _Topic) -> ?NIF.
unsubscribe(_N, _Topic) -> ?NIF.
publish(_N, _Topic, _Data) -> ?NIF.
counters(_N) -> ?NIF.
metrics_text(_N) -> ?NIF.
metrics_serve(_N, _Addr) -> ?NIF.
membership_start(_N, _Transport, _TcpListen, _TcpId) -> ?NIF.
membership_addr(_N) -> ?NIF.
membership_set(_N, _Members) -> ?NIF.
member_send(_N, _Id, _Data) -> ?NIF.
member_broadcast(_N, _Data) -> ?NIF.
membership_counters(_N) -> ?NIF.
member_counters(_N, _Id) -> ?NIF.
eth2_configure(_N, _Config) -> ?NIF.
eth2_subscribe(_N, _Name, _Mode) -> ?NIF.
eth2_unsubscribe(_N, _Name) -> ?NIF.
eth2_publish(_N, _Topic, _Ssz) -> ?NIF.
report_validation(_N, _Id, _Verdict) -> ?NIF.
eth2_counters(_N) -> ?NIF.
eth2_publish_nowait(_N, _Topic, _Ssz) -> ?NIF.
eth2_publish_nowait_counters(_N) -> ?NIF.
set_reqresp_timeouts(_N, _Ttfb, _Resp, _Serve) -> ?NIF.
set_status(_N, _Status) -> ?NIF.
set_metadata(_N, _Metadata) -> ?NIF.
serve(_N, _Protocol, _Mode) -> ?NIF.
request(_N, _PeerId, _Protocol, _Body, _TimeoutMs) -> ?NIF.
respond_chunk(_N, _IncomingId, _Context, _Data) -> ?NIF.
respond_end(_N, _IncomingId) -> ?NIF.
respond_error(_N, _IncomingId, _Code, _Message) -> ?NIF.
goodbye(_N, _PeerId, _Reason) -> ?NIF.
reqresp_counters(_N) -> ?NIF.
chain_start(_N, _Config) -> ?NIF.
chain_head(_N) -> ?NIF.
chain_finalized(_N) -> ?NIF.
get_block(_N, _Root) -> ?NIF.
get_state(_N, _Root) -> ?NIF.
chain_submit_block(_N, _Ssz) -> ?NIF.
chain_sync_status(_N) -> ?NIF.
chain_da_counters(_N) -> ?NIF.
get_sidecars(_N, _Root) -> ?NIF.
chain_propose_blobs(_N, _Block, _Blobs) -> ?NIF.
discovery_configure(_N, _Config) -> ?NIF.
fork_digest(_N) -> ?NIF.
enr(_N) -> ?NIF.
update_enr(_N, _Attnets, _Syncnets, _Cgc) -> ?NIF.
peer_table(_N) -> ?NIF.
ban(_N, _PeerId, _Seconds, _Reason) -> ?NIF.
discovery_counters(_N) -> ?NIF.
