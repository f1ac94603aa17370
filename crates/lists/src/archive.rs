//! Containers around list files: gzip, ZIP and (ustar/GNU) tar, with size limits so a hostile archive cannot
//! exhaust memory.

use crate::common::{err, excerpt};
use crate::model::ImportError;
use std::io::Read;

/// Largest decompressed size accepted: for one gzip stream, and for all the members read from one archive
/// together (the largest real list is a few tens of MB).
pub const MAX_UNPACKED: u64 = 256 * 1024 * 1024;

/// Most members an archive may have (an OFAC CSV set has four files; the rest is directories and readmes).
pub const MAX_MEMBERS: usize = 64;

pub fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0x1f, 0x8b])
}

pub fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06")
}

pub fn is_tar(bytes: &[u8]) -> bool {
    bytes.len() >= 512 && bytes.get(257..262) == Some(b"ustar".as_slice())
}

/// Decompress a gzip stream (all members).
pub fn gunzip(file: &str, bytes: &[u8]) -> Result<Vec<u8>, ImportError> {
    let mut out = Vec::new();
    let mut dec = flate2::read::MultiGzDecoder::new(bytes).take(MAX_UNPACKED + 1);
    if let Err(e) = dec.read_to_end(&mut out) {
        // flate2 reports no offset; the bytes decoded so far tell how far the stream was good.
        return Err(err(
            file,
            format!("gzip stream, after {} decompressed bytes", out.len()),
            format!("corrupt or truncated gzip data: {e}"),
        ));
    }
    if out.len() as u64 > MAX_UNPACKED {
        return Err(err(
            file,
            "gzip stream",
            format!("decompresses to more than {MAX_UNPACKED} bytes"),
        ));
    }
    Ok(out)
}

/// Number of members a ZIP's end-of-central-directory record declares, read before the archive is parsed so
/// that a hostile directory of millions of entries is refused without being loaded. None when there is no
/// such record; `u16::MAX` for ZIP64 archives (which declare their count elsewhere).
fn declared_members(bytes: &[u8]) -> Option<usize> {
    const EOCD: &[u8] = b"PK\x05\x06";
    let tail_start = bytes.len().saturating_sub(22 + usize::from(u16::MAX));
    let tail = &bytes[tail_start..];
    let at = tail.windows(4).rposition(|w| w == EOCD)?;
    let rec = tail.get(at..at + 22)?;
    Some(usize::from(u16::from_le_bytes([rec[10], rec[11]])))
}

/// The regular files of a ZIP archive that `wanted` selects by name, as (name, bytes). Other members are
/// skipped without being decompressed. The archive may hold at most [`MAX_MEMBERS`] members, and the
/// selected ones may decompress to at most [`MAX_UNPACKED`] bytes together.
pub fn unzip(
    file: &str,
    bytes: &[u8],
    wanted: &dyn Fn(&str) -> bool,
) -> Result<Vec<(String, Vec<u8>)>, ImportError> {
    match declared_members(bytes) {
        Some(n) if n == usize::from(u16::MAX) => {
            return Err(err(
                file,
                "ZIP central directory",
                "ZIP64 archives are not accepted",
            ))
        }
        Some(n) if n > MAX_MEMBERS => {
            return Err(err(
                file,
                "ZIP central directory",
                format!("the archive has {n} members; at most {MAX_MEMBERS} are accepted"),
            ))
        }
        _ => {}
    }
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| {
        err(
            file,
            "ZIP central directory",
            format!("not a readable ZIP archive: {e}"),
        )
    })?;
    if zip.len() > MAX_MEMBERS {
        return Err(err(
            file,
            "ZIP central directory",
            format!(
                "the archive has {} members; at most {MAX_MEMBERS} are accepted",
                zip.len()
            ),
        ));
    }
    let mut files = Vec::new();
    let mut budget = MAX_UNPACKED;
    for i in 0..zip.len() {
        let selected = zip
            .name_for_index(i)
            .is_some_and(|n| !n.ends_with('/') && wanted(n));
        if !selected {
            continue;
        }
        let mut f = zip.by_index(i).map_err(|e| {
            err(
                file,
                format!("ZIP member #{}", i + 1),
                format!("unreadable ZIP member: {e}"),
            )
        })?;
        if f.is_dir() {
            continue;
        }
        let name = f.name().to_string();
        let label = format!("{file}:{}", excerpt(&name));
        let mut out = Vec::new();
        (&mut f)
            .take(budget + 1)
            .read_to_end(&mut out)
            .map_err(|e| {
                err(
                    &label,
                    "ZIP member data",
                    format!("corrupt ZIP member: {e}"),
                )
            })?;
        if out.len() as u64 > budget {
            return Err(err(
                &label,
                "ZIP member",
                format!("the archive decompresses to more than {MAX_UNPACKED} bytes"),
            ));
        }
        budget -= out.len() as u64;
        files.push((name, out));
    }
    Ok(files)
}

fn octal(field: &[u8]) -> Option<u64> {
    let s = std::str::from_utf8(field).ok()?;
    let s = s.trim_matches(|c: char| c == '\0' || c == ' ');
    if s.is_empty() {
        return Some(0);
    }
    u64::from_str_radix(s, 8).ok()
}

fn cstr(field: &[u8]) -> String {
    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    String::from_utf8_lossy(&field[..end]).into_owned()
}

/// The regular files of a tar archive that `wanted` selects by name, as (name, bytes); at most
/// [`MAX_MEMBERS`] members.
pub fn untar(
    file: &str,
    bytes: &[u8],
    wanted: &dyn Fn(&str) -> bool,
) -> Result<Vec<(String, Vec<u8>)>, ImportError> {
    let mut files = Vec::new();
    let mut members = 0usize;
    let mut off = 0usize;
    let mut long_name: Option<String> = None;
    loop {
        let Some(header) = bytes.get(off..off + 512) else {
            if off >= bytes.len() {
                break;
            }
            return Err(err(file, format!("byte {off}"), "truncated tar header"));
        };
        if header.iter().all(|&b| b == 0) {
            break;
        }
        let size = octal(&header[124..136]).ok_or_else(|| {
            err(
                file,
                format!("byte {}", off + 124),
                "invalid tar size field",
            )
        })?;
        let size_usize = usize::try_from(size)
            .ok()
            .filter(|s| (*s as u64) <= MAX_UNPACKED)
            .ok_or_else(|| err(file, format!("byte {}", off + 124), "tar member too large"))?;
        let data_start = off + 512;
        let data = data_start
            .checked_add(size_usize)
            .and_then(|end| bytes.get(data_start..end))
            .ok_or_else(|| {
                err(
                    file,
                    format!("byte {data_start}"),
                    "tar member data truncated",
                )
            })?;
        let typeflag = header[156];
        let mut name = cstr(&header[0..100]);
        let prefix = cstr(&header[345..500]);
        if header.get(257..262) == Some(b"ustar".as_slice()) && !prefix.is_empty() {
            name = format!("{prefix}/{name}");
        }
        if let Some(n) = long_name.take() {
            name = n;
        }
        members += 1;
        if members > MAX_MEMBERS {
            return Err(err(
                file,
                format!("byte {off}"),
                format!("the archive has more than {MAX_MEMBERS} members"),
            ));
        }
        match typeflag {
            b'0' | 0 | b'7' if wanted(&name) => files.push((name, data.to_vec())),
            b'L' => long_name = Some(cstr(data)),
            _ => {}
        }
        let padded = size_usize.div_ceil(512) * 512;
        off = data_start.checked_add(padded).ok_or_else(|| {
            err(
                file,
                format!("byte {data_start}"),
                "tar member data truncated",
            )
        })?;
    }
    Ok(files)
}

/// The base name of an archive member or path ("dir/sdn.csv" -> "sdn.csv").
pub fn base_name(name: &str) -> &str {
    name.rsplit(['/', '\\']).next().unwrap_or(name)
}
