//! Containers around list files: gzip, ZIP and (ustar/GNU) tar, with size limits so a hostile archive cannot
//! exhaust memory.

use crate::common::err;
use crate::model::ImportError;
use std::io::Read;

/// Largest decompressed size accepted for one file (the largest real list is a few tens of MB).
pub const MAX_UNPACKED: u64 = 512 * 1024 * 1024;

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

/// Every regular file of a ZIP archive as (name, bytes).
pub fn unzip(file: &str, bytes: &[u8]) -> Result<Vec<(String, Vec<u8>)>, ImportError> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| {
        err(
            file,
            "ZIP central directory",
            format!("not a readable ZIP archive: {e}"),
        )
    })?;
    let mut files = Vec::new();
    for i in 0..zip.len() {
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
        let mut out = Vec::new();
        (&mut f)
            .take(MAX_UNPACKED + 1)
            .read_to_end(&mut out)
            .map_err(|e| {
                err(
                    &format!("{file}:{name}"),
                    "ZIP member data",
                    format!("corrupt ZIP member: {e}"),
                )
            })?;
        if out.len() as u64 > MAX_UNPACKED {
            return Err(err(
                &format!("{file}:{name}"),
                "ZIP member",
                "member too large",
            ));
        }
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

/// Every regular file of a tar archive as (name, bytes).
pub fn untar(file: &str, bytes: &[u8]) -> Result<Vec<(String, Vec<u8>)>, ImportError> {
    let mut files = Vec::new();
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
        match typeflag {
            b'0' | 0 | b'7' => files.push((name, data.to_vec())),
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
