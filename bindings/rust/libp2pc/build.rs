//! Adds an rpath to the directory of libp2pc.so (found by libp2pc-sys's build
//! script from LIBP2PC_LIB_DIR) to this crate's tests, examples and binaries,
//! so they run without LD_LIBRARY_PATH.
fn main() {
    println!("cargo:rerun-if-env-changed=DEP_P2PC_LIB_DIR");
    if let Ok(dir) = std::env::var("DEP_P2PC_LIB_DIR") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
    }
}
