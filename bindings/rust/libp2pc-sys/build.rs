//! Tells rustc where libp2pc.so is.
//!
//! `LIBP2PC_LIB_DIR` names the directory holding libp2pc.so (default
//! `../../build/lib`); `LIBP2PC_INCLUDE_DIR` the one holding libp2pc.h (default
//! `../../include`, used only by the layout test). Relative paths are taken
//! from the cargo workspace root, `bindings/rust`.
//!
//! Besides the link search path, an rpath to that directory is added to this
//! crate's own tests, and the directory is exported to dependents as
//! `DEP_P2PC_LIB_DIR` (this crate has `links = "p2pc"`), which the safe crate's
//! build script turns into an rpath for its tests, examples and binaries. So
//! `cargo test` / `cargo run` need no LD_LIBRARY_PATH.
use std::env;
use std::path::{Path, PathBuf};

fn resolve(var: &str, default: &str) -> PathBuf {
    println!("cargo:rerun-if-env-changed={var}");
    let workspace = Path::new(&env::var("CARGO_MANIFEST_DIR").unwrap())
        .parent()
        .unwrap()
        .to_path_buf();
    let raw = env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(default));
    let p = if raw.is_absolute() { raw } else { workspace.join(raw) };
    p.canonicalize().unwrap_or(p)
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let lib_dir = resolve("LIBP2PC_LIB_DIR", "../../build/lib");
    let include_dir = resolve("LIBP2PC_INCLUDE_DIR", "../../include");

    if !lib_dir.join("libp2pc.so").exists() && !lib_dir.join("libp2pc.a").exists() {
        println!(
            "cargo:warning=libp2pc.so not found in {} (set LIBP2PC_LIB_DIR; build it with \
             `go build -buildmode=c-shared -o <dir>/libp2pc.so ./libp2pc/abi`)",
            lib_dir.display()
        );
    }
    let lib = lib_dir.display();
    println!("cargo:rustc-link-search=native={lib}");
    println!("cargo:rustc-link-lib=dylib=p2pc");
    // For this crate's own tests (link args do not propagate to dependents;
    // they get DEP_P2PC_LIB_DIR instead).
    println!("cargo:rustc-link-arg=-Wl,-rpath,{lib}");
    println!("cargo:lib_dir={lib}");
    println!("cargo:include_dir={}", include_dir.display());
    println!("cargo:rustc-env=LIBP2PC_SYS_INCLUDE_DIR={}", include_dir.display());
}
