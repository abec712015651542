defmodule Libp2pc.MixProject do
  use Mix.Project

  # No hex dependencies: the Erlang API (../erlang/src/libp2pc.erl) is
  # compiled into this project; its driver / port program come from
  # ../erlang/priv (or LIBP2PC_ERL_PRIV_DIR), built by ../erlang's Makefile.
  def project do
    [
      app: :libp2pc,
      version: "0.1.0",
      elixir: "~> 1.14",
      erlc_paths: ["../erlang/src"],
      start_permanent: Mix.env() == :prod,
      deps: []
    ]
  end

  def application do
    # The Erlang OTP application's supervisor (libp2pc_sup) starts with this
    # one: Libp2pc.Server runs its nodes under it.
    [mod: {:libp2pc_app, []}, extra_applications: [:logger, :crypto]]
  end
end
