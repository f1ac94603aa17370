//! UN Security Council consolidated XML: the real file in ../shared and malformed variants.

mod support;

use lists::*;
use support::*;

fn load() -> ListSnapshot {
    import(ListFormat::UnScXml, &data("un_sc/UN_consolidated.xml")).expect("UN list imports")
}

#[test]
fn real_file_counts() {
    let s = load();
    let people = s
        .entries
        .iter()
        .filter(|e| e.kind == EntityKind::Person)
        .count();
    let orgs = s
        .entries
        .iter()
        .filter(|e| e.kind == EntityKind::Organization)
        .count();
    assert_eq!((people, orgs), (730, 273));
    assert_eq!(s.published.as_deref(), Some("2026-02-27"));
    assert_eq!(
        s.version,
        "sha256:66b392a4090868d2d39161e8d748efd39138377b0e6e60b7921aa67a4f99c8bf"
    );
    let original: usize = s
        .entries
        .iter()
        .filter(|e| {
            e.names
                .iter()
                .any(|n| n.script.as_deref().is_some_and(|s| s != "Latn"))
        })
        .count();
    // 378 records have NAME_ORIGINAL_SCRIPT; a few more carry original-script aliases.
    assert!(
        original >= 378,
        "entries with an original-script name: {original}"
    );
    let arab = s
        .entries
        .iter()
        .filter(|e| e.names.iter().any(|n| n.script.as_deref() == Some("Arab")))
        .count();
    let cyrl = s
        .entries
        .iter()
        .filter(|e| e.names.iter().any(|n| n.script.as_deref() == Some("Cyrl")))
        .count();
    assert!(arab >= 366 && cyrl >= 11, "{arab} {cyrl}");
}

#[test]
fn spot_checks() {
    let s = load();
    let e = entry(&s, "CDi.003");
    assert_eq!(e.primary_name(), "GASTON IYAMUREMYE");
    assert_eq!(e.kind, EntityKind::Person);
    assert!(e
        .names
        .iter()
        .any(|n| n.name == "Rumuli" && n.quality == NameQuality::Low && n.kind == NameKind::Alias));
    assert!(e
        .names
        .iter()
        .any(|n| n.name == "Victor Rumuri" && n.quality == NameQuality::Good));
    assert_eq!(e.birth_dates, vec!["1948"]);
    assert!(e.countries.contains(&"RW".to_string()));
    assert!(e.countries.contains(&"CD".to_string()));
    assert_eq!(e.programs, vec!["DRC"]);

    let k = entry(&s, "KPi.035");
    assert!(k
        .names
        .iter()
        .any(|n| n.name == "Jin Tiesan" && n.script.as_deref() == Some("Latn")));
    assert!(k
        .names
        .iter()
        .any(|n| n.name == "金铁三" && n.script.as_deref() == Some("Hani")));
    let r = entry(&s, "QDi.398");
    assert!(r
        .names
        .iter()
        .any(|n| n.name == "Абу Мухаммад" && n.script.as_deref() == Some("Cyrl")));

    let q = entry(&s, "QDi.001");
    assert_eq!(q.names[0].kind, NameKind::Primary);
    assert!(q.programs.contains(&"Al-Qaida".to_string()));
}
