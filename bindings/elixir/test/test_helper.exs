ExUnit.start(timeout: 90_000)
