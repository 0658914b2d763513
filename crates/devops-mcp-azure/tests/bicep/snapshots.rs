//! Snapshots of every generated file for the representative specs (insta). A change to the
//! generator shows up as a reviewed diff (`cargo insta review`).

#[test]
fn generated_files_match_snapshots() {
    for (name, spec) in crate::variants() {
        let generated = crate::generate_variant(&spec);
        for f in &generated.files {
            let file = f.path.rsplit('/').next().expect("file name");
            insta::assert_snapshot!(format!("{name}__{file}"), f.content);
        }
    }
}
