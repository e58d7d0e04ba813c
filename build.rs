//! Generates `torc.h` with cbindgen, then builds the variadic C shims (which include it) with
//! the MPI C compiler.

use std::path::PathBuf;

fn main() {
    let crate_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("torc.h");
    let config =
        cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("cbindgen.toml");
    // The sources are parsed from src/lib.rs down its `mod` declarations, without `cargo
    // metadata` (`with_crate` runs it: a nested cargo and rustc inside the build script, which
    // we saw fail when build scripts ran side by side; nothing from a dependency goes into the
    // header).
    match cbindgen::Builder::new()
        .with_src(crate_dir.join("src/lib.rs"))
        .with_config(config)
        .generate()
    {
        Ok(b) => {
            b.write_to_file(&out);
            if std::env::var_os("TORC_UPDATE_HEADER").is_some() {
                b.write_to_file(crate_dir.join("include/torc.h"));
            }
        }
        Err(e) => panic!("cbindgen failed: {e}"),
    }
    let mpicc = std::env::var("MPICC").unwrap_or_else(|_| "mpicc".to_string());
    cc::Build::new()
        .compiler(&mpicc)
        .file("src/ffi/varargs.c")
        .file("src/ffi/fortran.c")
        .file("src/ffi/tls.c")
        // The shims include the torc.h generated just above: torc_arg_t is defined once, in
        // the Rust sources.
        .include(out.parent().expect("OUT_DIR"))
        .flag_if_supported("-std=c99")
        .warnings(true)
        .compile("torc_varargs");
    println!("cargo:rerun-if-changed=src/ffi/varargs.c");
    println!("cargo:rerun-if-changed=src/ffi/fortran.c");
    println!("cargo:rerun-if-changed=src/ffi/tls.c");
    println!("cargo:rerun-if-env-changed=MPICC");
    println!("cargo:rerun-if-env-changed=TORC_UPDATE_HEADER");

    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-changed=src");
}
