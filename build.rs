//! Marks the PostgreSQL variants of the black-box tests as ignored when no PostgreSQL is given,
//! so `cargo test` reports them as ignored instead of as passed tests that ran nothing.
fn main() {
    println!("cargo:rerun-if-env-changed=GONGYI_TEST_PG_URL");
    println!("cargo:rerun-if-env-changed=GONGYI_TEST_REQUIRE_PG");
    println!("cargo:rustc-check-cfg=cfg(gongyi_pg)");
    let set = |k: &str| std::env::var(k).is_ok_and(|v| !v.is_empty());
    // GONGYI_TEST_REQUIRE_PG without a URL: run them anyway, so they fail loudly.
    if set("GONGYI_TEST_PG_URL") || set("GONGYI_TEST_REQUIRE_PG") {
        println!("cargo:rustc-cfg=gongyi_pg");
    }
}
