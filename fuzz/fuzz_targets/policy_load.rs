//! Fuzz the policy loader through `policy::PolicySet::check_files`: the reference policy with one file (chosen
//! by the first input byte) replaced by the rest of the input. Any input must give a policy or diagnostics,
//! never a panic or a stack overflow (conditions are CEL; their size and nesting are capped before parsing).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let mut files = policy::reference_files();
    let i = usize::from(which) % files.len();
    files[i].1 = String::from_utf8_lossy(rest).into_owned();
    let diagnostics = policy::PolicySet::check_files(files.clone());
    // loading and checking agree: a policy loads exactly when the check reports nothing
    assert_eq!(policy::PolicySet::load_files(files).is_ok(), diagnostics.is_empty());
});
