#!/usr/bin/env python3
"""Write small seed inputs for the fuzz targets, cut from the real lists in ../shared/data/sanctions and the
synthetic fixtures, into a directory OUTSIDE the repository (default /tmp/lists-fuzz-seeds/<target>/).

Usage: python3 fuzz/make_seeds.py [OUT_DIR]   (run from the repository root)
The real list files are never copied into the repository; the seeds are small cut-downs kept in /tmp.
"""
import gzip, io, os, re, sys, zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "..", "shared", "data", "sanctions")
FIX = os.path.join(ROOT, "crates", "lists", "tests", "fixtures")
OUT = sys.argv[1] if len(sys.argv) > 1 else "/tmp/lists-fuzz-seeds"


def rd(*p):
    with open(os.path.join(*p), "rb") as f:
        return f.read()


def put(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def lines(data, n):
    return b"".join(data.splitlines(keepends=True)[:n])


# UN: the first two INDIVIDUALs and the first ENTITY, in a closed document
un = rd(DATA, "un_sc", "UN_consolidated.xml").decode("utf-8")
inds = re.findall(r"<INDIVIDUAL>.*?</INDIVIDUAL>", un, re.S)
ents = re.findall(r"<ENTITY>.*?</ENTITY>", un, re.S)
orig = [i for i in inds if "NAME_ORIGINAL_SCRIPT" in i][:1]
doc = ('<?xml version="1.0" encoding="UTF-8"?>\n<CONSOLIDATED_LIST dateGenerated="2026-02-27T00:00:09.554Z">'
       "<INDIVIDUALS>" + "".join(inds[:1] + orig) + "</INDIVIDUALS><ENTITIES>" + ents[0] + "</ENTITIES></CONSOLIDATED_LIST>")
put("un_sc_xml", "un_small.xml", doc.encode())

# OFAC CSV
sdn_dir = os.path.join(DATA, "us_ofac_sdn_2021-07")
sdn = lines(rd(sdn_dir, "sdn.csv"), 12)
ids = {l.split(b",")[0] for l in sdn.splitlines()}
pick = lambda data: b"".join(l for l in data.splitlines(keepends=True) if l.split(b",")[0] in ids)
alt, add = pick(rd(sdn_dir, "alt.csv")), pick(rd(sdn_dir, "add.csv"))
com = lines(rd(sdn_dir, "sdn_comments.csv"), 1)
put("ofac_csv", "sdn.csv", sdn + b"\x1a")
put("ofac_csv", "cons_prim.csv", lines(rd(DATA, "us_ofac_non_sdn_2025-12", "cons_prim.csv"), 8))
z = io.BytesIO()
with zipfile.ZipFile(z, "w") as zf:
    for n, b in [("sdn.csv", sdn), ("alt.csv", alt), ("add.csv", add), ("sdn_comments.csv", com)]:
        zf.writestr(n, b)
put("ofac_csv", "sdn.zip", z.getvalue())
put("ofac_csv_set", "set", sdn + b"\xff" + alt + b"\xff" + add + b"\xff" + com)

# OFAC Enhanced XML: the reference values used by the first entity, and that entity
zf = zipfile.ZipFile(os.path.join(DATA, "us_ofac_non_sdn_enhanced_2025-01", "CONS_ENHANCED.ZIP"))
enh = zf.read("CONS_ENHANCED.XML").decode("utf-8")
ent = re.search(r"<entity id=.*?</entity>", enh, re.S).group(0)
cyr = re.search(r"<entity id=\"17013\">.*?</entity>", enh, re.S).group(0)
refs = set(re.findall(r'refId="(\d+)"', ent + cyr)) | set(re.findall(r"<valueRefId>(\d+)<", ent + cyr))
rv = "".join(m.group(0) for m in re.finditer(r'<referenceValue refId="(\d+)">.*?</referenceValue>', enh, re.S)
             if m.group(1) in refs)
doc = ("<sanctionsData><publicationInfo><dataAsOf>2025-01-10T00:00:00</dataAsOf></publicationInfo><referenceValues>"
       + rv + "</referenceValues><entities>" + ent + "</entities></sanctionsData>")
put("ofac_enhanced_xml", "small.xml", doc.encode())
put("ofac_enhanced_xml", "cyrillic.xml", doc.replace(ent, cyr).encode())

# CSL: header + rows, plain and gzip
csl = gzip.decompress(rd(DATA, "us_trade_csl", "consolidated.csv.gz"))
small = lines(csl, 15)
put("us_csl_csv", "csl.csv", small)
put("us_csl_csv", "csl.csv.gz", gzip.compress(small))

put("bis_dpl", "dpl.txt", lines(rd(DATA, "us_bis_dpl_2023-11", "dpl.txt"), 12))
put("eu_fsf_xml", "eu.xml", rd(FIX, "eu_fsf_synthetic.xml"))
put("uk_sanctions", "uk.csv", rd(FIX, "uk_sanctions_synthetic.csv"))
print("seeds written to", OUT)
