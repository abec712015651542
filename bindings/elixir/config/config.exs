import Config

# Where libp2pc_drv.so and libp2pc_port live (built by bindings/erlang).
config :libp2pc,
  priv_dir: System.get_env("LIBP2PC_ERL_PRIV_DIR") || Path.expand("../../erlang/priv", __DIR__)
