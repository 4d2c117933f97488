//! Marks the PostgreSQL variants of the black-box tests as ignored when no PostgreSQL can be had,
//! so `cargo test` reports them as ignored instead of as passed tests that ran nothing. They run
//! against GONGYI_TEST_PG_URL when it is set, else against a throwaway server the tests start
//! themselves when PostgreSQL's server binaries are installed (tests/api/local_pg.rs).

#[path = "tests/api/pg_detect.rs"]
mod pg_detect;

fn main() {
    println!("cargo:rerun-if-env-changed=GONGYI_TEST_PG_URL");
    println!("cargo:rerun-if-env-changed=GONGYI_TEST_REQUIRE_PG");
    println!("cargo:rerun-if-env-changed=PATH");
    println!("cargo:rerun-if-changed=tests/api/pg_detect.rs");
    // Installing or removing PostgreSQL changes the answer (a path that does not exist would
    // rerun this script on every build, so /usr/lib stands in until PostgreSQL's directory does).
    let watch = if std::path::Path::new("/usr/lib/postgresql").exists() { "/usr/lib/postgresql" } else { "/usr/lib" };
    println!("cargo:rerun-if-changed={watch}");
    println!("cargo:rustc-check-cfg=cfg(gongyi_pg)");
    println!("cargo:rustc-check-cfg=cfg(gongyi_pg_bin)");
    // The test that crashes a server of its own needs the server binaries, not just a URL.
    if pg_detect::available() {
        println!("cargo:rustc-cfg=gongyi_pg_bin");
    }
    let set = |k: &str| std::env::var(k).is_ok_and(|v| !v.is_empty());
    // GONGYI_TEST_REQUIRE_PG without a URL: run them anyway, so they fail loudly.
    if set("GONGYI_TEST_PG_URL") || set("GONGYI_TEST_REQUIRE_PG") || pg_detect::available() {
        println!("cargo:rustc-cfg=gongyi_pg");
    }
}
