//! Sanctions and denied-party list importers.
//!
//! Each importer reads one published file format and yields a [`ListSnapshot`]: every record of the list with
//! all its name variants, identifiers and qualifiers, in the one model the screening crate indexes. Parsing is
//! all-or-nothing: a malformed file gives an [`ImportError`] with the position and the reason, never a partial
//! snapshot.
//!
//! Entry points:
//! - [`import`]: a file (or, for `ofac-csv`, a directory) on disk;
//! - [`import_bytes`]: one uploaded/downloaded blob (for `ofac-csv` a ZIP or tar of the CSV files, or a single
//!   `sdn.csv`/`cons_prim.csv`);
//! - [`import_files`]: several named blobs (the `ofac-csv` file set as separate uploads).
#![forbid(unsafe_code)]

mod archive;
mod common;
pub mod countries;
mod csl;
mod delimited;
mod dpl;
mod eu;
pub mod model;
mod ofac_csv;
mod ofac_xml;
mod sources;
mod uk;
mod un;
mod xml;

pub use model::*;
pub use sources::{
    csl_code, hit_consequence, is_source_id, reference_consequence, source_is_sanctions,
    split_sources, HitConsequence, AUTHORITY_UNVERIFIED,
};

use std::path::Path;

/// Import a list file from disk. For [`ListFormat::OfacCsv`] `path` is the directory holding the CSV files
/// (or a ZIP/tar of them, or a single `sdn.csv`/`cons_prim.csv`).
pub fn import(format: ListFormat, path: &Path) -> Result<ListSnapshot, ImportError> {
    let name = path.display().to_string();
    let read = |p: &Path| {
        std::fs::read(p).map_err(|e| {
            common::err(
                &p.display().to_string(),
                "file",
                format!("cannot read: {e}"),
            )
        })
    };
    if format == ListFormat::OfacCsv && path.is_dir() {
        let mut files = Vec::new();
        let dir = std::fs::read_dir(path)
            .map_err(|e| common::err(&name, "directory", format!("cannot list: {e}")))?;
        for ent in dir {
            let ent =
                ent.map_err(|e| common::err(&name, "directory", format!("cannot list: {e}")))?;
            let fname = ent.file_name().to_string_lossy().into_owned();
            if fname.to_ascii_lowercase().ends_with(".csv") && ent.path().is_file() {
                files.push((ent.path().display().to_string(), read(&ent.path())?));
            }
        }
        files.sort();
        let refs: Vec<(String, &[u8])> = files
            .iter()
            .map(|(n, b)| (n.clone(), b.as_slice()))
            .collect();
        return ofac_csv::parse_set(&name, &refs);
    }
    let bytes = read(path)?;
    import_bytes(format, &name, &bytes)
}

/// Import a list from bytes (an upload or a download). `name` is used in error messages and, for a single
/// OFAC CSV file, to tell `sdn.csv` from `cons_prim.csv` by its base name.
///
/// Containers: `ofac-csv` accepts a ZIP, a tar or a gzip-compressed tar of the CSV files, or one primary CSV;
/// `ofac-enhanced-xml` accepts the XML or a ZIP holding it; `us-csl-csv` accepts plain or gzip CSV.
pub fn import_bytes(
    format: ListFormat,
    name: &str,
    bytes: &[u8],
) -> Result<ListSnapshot, ImportError> {
    if bytes.is_empty() {
        return Err(common::err(name, "byte 0", "empty file"));
    }
    match format {
        ListFormat::UnScXml => un::parse(name, bytes),
        ListFormat::OfacCsv => {
            let unpacked;
            let mut data = bytes;
            if archive::is_gzip(data) {
                unpacked = archive::gunzip(name, data)?;
                data = &unpacked;
            }
            let members = if archive::is_zip(data) {
                Some(archive::unzip(name, data, &ofac_csv::is_member)?)
            } else if archive::is_tar(data) {
                Some(archive::untar(name, data, &ofac_csv::is_member)?)
            } else {
                None
            };
            match members {
                Some(m) => {
                    let refs: Vec<(String, &[u8])> = m
                        .iter()
                        .map(|(n, b)| (format!("{name}/{n}"), b.as_slice()))
                        .collect();
                    ofac_csv::parse_set(name, &refs)
                }
                None => {
                    let base = archive::base_name(name).to_ascii_lowercase();
                    let member = if base.starts_with("cons_") {
                        base
                    } else {
                        "sdn.csv".to_string()
                    };
                    let member = if member.ends_with(".csv") {
                        member
                    } else {
                        "sdn.csv".to_string()
                    };
                    ofac_csv::parse_set(name, &[(name_as(name, &member), data)])
                }
            }
        }
        ListFormat::OfacEnhancedXml => ofac_xml::parse(name, bytes),
        ListFormat::UsCslCsv => csl::parse(name, bytes),
        ListFormat::BisDpl => dpl::parse(name, bytes),
        ListFormat::EuFsfXml => eu::parse(name, bytes),
        ListFormat::UkSanctions => uk::parse(name, bytes),
    }
}

/// `name` if its base name is `member`, otherwise "name (as member)/member" so the set logic sees the role.
fn name_as(name: &str, member: &str) -> String {
    if archive::base_name(name).eq_ignore_ascii_case(member) {
        name.to_string()
    } else {
        format!("{name}/{member}")
    }
}

/// Import a list delivered as several named files (the `ofac-csv` set uploaded file by file). Other formats
/// take exactly one file.
pub fn import_files(
    format: ListFormat,
    files: &[(&str, &[u8])],
) -> Result<ListSnapshot, ImportError> {
    match (format, files) {
        (ListFormat::OfacCsv, _) => {
            let label = files.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ");
            let refs: Vec<(String, &[u8])> =
                files.iter().map(|(n, b)| (n.to_string(), *b)).collect();
            ofac_csv::parse_set(&label, &refs)
        }
        (_, [(name, bytes)]) => import_bytes(format, name, bytes),
        (_, _) => Err(common::err(
            "upload",
            "file set",
            format!(
                "format {format} takes exactly one file, got {}",
                files.len()
            ),
        )),
    }
}
