//! A small, bounded XML tree built on quick-xml, used by the XML importers.
//!
//! The whole document is read into memory (the published lists are a few MB). Element names are kept without
//! their namespace prefix. Nesting is limited to [`MAX_DEPTH`] so hostile input cannot exhaust the stack.

use crate::common::{describe_offset, err, excerpt};
use crate::model::ImportError;
use quick_xml::events::Event;
use quick_xml::Reader;

pub const MAX_DEPTH: usize = 200;

#[derive(Debug, Default)]
pub struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<Element>,
    /// Byte offset of the start tag.
    pub pos: usize,
}

impl Element {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// Follow a path of child names, e.g. `["names", "name"]`, returning every element reached.
    pub fn path<'a>(&'a self, path: &[&str]) -> Vec<&'a Element> {
        let mut cur: Vec<&Element> = vec![self];
        for step in path {
            cur = cur
                .into_iter()
                .flat_map(|e| e.children.iter().filter(move |c| c.name == *step))
                .collect();
        }
        cur
    }

    /// Trimmed text of the first child with that name, None when absent or blank.
    pub fn child_text(&self, name: &str) -> Option<String> {
        self.child(name)
            .and_then(|c| crate::common::non_empty(&c.text))
    }

    /// Trimmed own text, None when blank.
    pub fn text(&self) -> Option<String> {
        crate::common::non_empty(&self.text)
    }
}

fn local(name: &[u8]) -> String {
    let n = match name.iter().rposition(|&b| b == b':') {
        Some(p) => &name[p + 1..],
        None => name,
    };
    String::from_utf8_lossy(n).into_owned()
}

/// Parse a whole document. Errors carry line/column/byte positions.
pub fn parse(file: &str, bytes: &[u8]) -> Result<Element, ImportError> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            return Err(err(
                file,
                describe_offset(bytes, e.valid_up_to()),
                "invalid UTF-8 in XML document",
            ))
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let bom = bytes.len() - text.len();
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let at = |p: u64| {
        describe_offset(
            bytes,
            usize::try_from(p).unwrap_or(usize::MAX).saturating_add(bom),
        )
    };
    loop {
        let pos = reader.buffer_position();
        let ev = match reader.read_event() {
            Ok(ev) => ev,
            Err(e) => {
                return Err(err(
                    file,
                    at(reader.error_position()),
                    format!("malformed XML: {}", excerpt(&e.to_string())),
                ))
            }
        };
        match ev {
            Event::Start(ref s) | Event::Empty(ref s) => {
                if root.is_some() {
                    return Err(err(file, at(pos), "content after the document element"));
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(err(
                        file,
                        at(pos),
                        format!("elements nested deeper than {MAX_DEPTH}"),
                    ));
                }
                let mut el = Element {
                    name: local(s.name().as_ref()),
                    pos: usize::try_from(pos).unwrap_or(usize::MAX),
                    ..Default::default()
                };
                // quick-xml's own duplicate check compares each attribute with every earlier one (quadratic in
                // the attributes of one tag: RUSTSEC-2026-0194, a CPU-exhaustion on hostile files before
                // 0.41); duplicates are refused here through a set instead.
                let mut seen = std::collections::HashSet::new();
                for a in s.attributes().with_checks(false) {
                    let a = a.map_err(|e| {
                        err(
                            file,
                            at(pos),
                            format!("malformed attribute: {}", excerpt(&e.to_string())),
                        )
                    })?;
                    let v = a.unescape_value().map_err(|e| {
                        err(
                            file,
                            at(pos),
                            format!("malformed attribute value: {}", excerpt(&e.to_string())),
                        )
                    })?;
                    if !seen.insert(a.key.as_ref().to_vec()) {
                        return Err(err(
                            file,
                            at(pos),
                            format!(
                                "malformed attribute: `{}` appears twice in one tag",
                                excerpt(&String::from_utf8_lossy(a.key.as_ref()))
                            ),
                        ));
                    }
                    el.attrs.push((local(a.key.as_ref()), v.into_owned()));
                }
                if matches!(ev, Event::Empty(_)) {
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(el),
                        None => root = Some(el),
                    }
                } else {
                    stack.push(el);
                }
            }
            Event::End(_) => {
                let Some(el) = stack.pop() else {
                    return Err(err(file, at(pos), "unexpected end tag"));
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => root = Some(el),
                }
            }
            Event::Text(t) => {
                let s = t.unescape().map_err(|e| {
                    err(
                        file,
                        at(pos),
                        format!("malformed text or entity: {}", excerpt(&e.to_string())),
                    )
                })?;
                match stack.last_mut() {
                    Some(top) => top.text.push_str(&s),
                    None => {
                        if !s.trim().is_empty() {
                            return Err(err(file, at(pos), "text outside the document element"));
                        }
                    }
                }
            }
            Event::CData(c) => {
                let s = String::from_utf8_lossy(&c.into_inner()).into_owned();
                match stack.last_mut() {
                    Some(top) => top.text.push_str(&s),
                    None => return Err(err(file, at(pos), "CDATA outside the document element")),
                }
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
        }
    }
    if let Some(open) = stack.last() {
        return Err(err(
            file,
            at(reader.buffer_position()),
            format!(
                "document ends inside <{}> (truncated file?)",
                excerpt(&open.name)
            ),
        ));
    }
    root.ok_or_else(|| {
        err(
            file,
            at(reader.buffer_position()),
            "no XML document element (empty file?)",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_attribute_is_refused_naming_it() {
        let e = parse("t.xml", br#"<a><b id="1" name="x" id="2"/></a>"#).unwrap_err();
        assert!(
            e.reason.contains("`id` appears twice in one tag"),
            "{}",
            e.reason
        );
        // The same local name under two prefixes is two attributes (as XML namespaces have it).
        let ok = parse("t.xml", br#"<a x:id="1" y:id="2" n="3"/>"#).unwrap();
        assert_eq!(ok.attrs.len(), 3);
        assert_eq!(ok.attr("n"), Some("3"));
    }

    #[test]
    fn a_tag_with_many_attributes_keeps_them_all() {
        let attrs: String = (0..5000).map(|i| format!(" a{i}=\"{i}\"")).collect();
        let doc = format!("<r{attrs}/>");
        let r = parse("t.xml", doc.as_bytes()).unwrap();
        assert_eq!(r.attrs.len(), 5000);
        assert_eq!(r.attr("a4999"), Some("4999"));
    }
}
