// `sqlx::migrate!` embeds the migrations when the crate compiles; a migration added since
// must make it compile again.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
