//! The content stream interpreter: text operators with the graphics
//! state they depend on (`cm`, `q`/`Q`, text matrices, font and spacing),
//! form XObjects with their own resources, and a count of images. Every
//! shown character becomes a [`Glyph`] in page space.

use crate::font::{Code, Font, deref, get, num};
use crate::{Budget, Error, Glyph};
use lopdf::content::Content;
use lopdf::{Dictionary, Document, Object, ObjectId};
use std::collections::HashMap;

#[derive(Clone, Copy, Debug, PartialEq)]
struct M([f32; 6]);

impl M {
    const ID: M = M([1.0, 0.0, 0.0, 1.0, 0.0, 0.0]);

    /// `self` then `o` (row vectors, as PDF writes them).
    fn then(self, o: M) -> M {
        let [a, b, c, d, e, f] = self.0;
        let [oa, ob, oc, od, oe, of] = o.0;
        M([
            a * oa + b * oc,
            a * ob + b * od,
            c * oa + d * oc,
            c * ob + d * od,
            e * oa + f * oc + oe,
            e * ob + f * od + of,
        ])
    }

    fn translate(x: f32, y: f32) -> M {
        M([1.0, 0.0, 0.0, 1.0, x, y])
    }

    fn of(ops: &[Object]) -> Option<M> {
        let v: Vec<f32> = ops.iter().filter_map(num).collect();
        (v.len() == 6 && v.iter().all(|x| x.is_finite()))
            .then(|| M([v[0], v[1], v[2], v[3], v[4], v[5]]))
    }
}

#[derive(Clone)]
struct Gs {
    ctm: M,
    font: Option<usize>,
    size: f32,
    char_spacing: f32,
    word_spacing: f32,
    hscale: f32,
    leading: f32,
    rise: f32,
}

/// What one page gave.
#[derive(Default)]
pub(crate) struct PageOut {
    pub glyphs: Vec<Glyph>,
    pub images: usize,
    /// Codes whose text no map gave.
    pub unmapped: usize,
}

pub(crate) struct Interp<'a> {
    doc: &'a Document,
    fonts: Vec<Font>,
    font_ids: HashMap<ObjectId, usize>,
    budget: &'a mut Budget,
    out: PageOut,
    codes: Vec<Code>,
    text: String,
}

const MAX_FORM_DEPTH: usize = 8;

impl<'a> Interp<'a> {
    pub fn new(doc: &'a Document, budget: &'a mut Budget) -> Self {
        Interp {
            doc,
            fonts: Vec::new(),
            font_ids: HashMap::new(),
            budget,
            out: PageOut::default(),
            codes: Vec::new(),
            text: String::new(),
        }
    }

    pub fn page(&mut self, page: ObjectId) -> Result<PageOut, Error> {
        self.out = PageOut::default();
        let content = self
            .doc
            .get_page_content_with_limit(page, self.budget.stream_limit())
            .map_err(|e| match e {
                lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded {
                    ..
                }) => Error::TooLarge("a page's content decompresses beyond the size limit".into()),
                e => Error::Damaged(format!("page content: {e}")),
            })?;
        self.budget.spend_bytes(content.len())?;
        let resources = page_resources(self.doc, page);
        let gs = Gs {
            ctm: M::ID,
            font: None,
            size: 0.0,
            char_spacing: 0.0,
            word_spacing: 0.0,
            hscale: 1.0,
            leading: 0.0,
            rise: 0.0,
        };
        self.run(&content, &resources, gs, 0)?;
        Ok(std::mem::take(&mut self.out))
    }

    fn run(
        &mut self,
        content: &[u8],
        resources: &[&'a Dictionary],
        gs: Gs,
        depth: usize,
    ) -> Result<(), Error> {
        // a content stream that does not parse gives what parsed before
        // the damage (lopdf is lenient), or nothing
        let Ok(content) = Content::decode(content) else {
            return Ok(());
        };
        let mut gs = gs;
        let mut stack: Vec<Gs> = Vec::new();
        let mut tm = M::ID;
        let mut tlm = M::ID;
        for op in &content.operations {
            self.budget.spend_op()?;
            let o = &op.operands;
            match op.operator.as_str() {
                // a bounded stack: deeper saves are dropped
                "q" if stack.len() < 256 => stack.push(gs.clone()),
                "Q" => {
                    if let Some(g) = stack.pop() {
                        gs = g;
                    }
                }
                "cm" => {
                    if let Some(m) = M::of(o) {
                        gs.ctm = m.then(gs.ctm);
                    }
                }
                "BT" => {
                    tm = M::ID;
                    tlm = M::ID;
                }
                "Tf" => {
                    if let (Some(Object::Name(name)), Some(size)) =
                        (o.first(), o.get(1).and_then(num))
                    {
                        gs.font = self.font(resources, name);
                        gs.size = size;
                    }
                }
                "Tc" => gs.char_spacing = o.first().and_then(num).unwrap_or(0.0),
                "Tw" => gs.word_spacing = o.first().and_then(num).unwrap_or(0.0),
                "Tz" => gs.hscale = o.first().and_then(num).unwrap_or(100.0) / 100.0,
                "TL" => gs.leading = o.first().and_then(num).unwrap_or(0.0),
                "Ts" => gs.rise = o.first().and_then(num).unwrap_or(0.0),
                "Td" | "TD" => {
                    if let (Some(x), Some(y)) = (o.first().and_then(num), o.get(1).and_then(num)) {
                        if op.operator == "TD" {
                            gs.leading = -y;
                        }
                        tlm = M::translate(x, y).then(tlm);
                        tm = tlm;
                    }
                }
                "Tm" => {
                    if let Some(m) = M::of(o) {
                        tlm = m;
                        tm = m;
                    }
                }
                "T*" => {
                    tlm = M::translate(0.0, -gs.leading).then(tlm);
                    tm = tlm;
                }
                "Tj" => {
                    if let Some(Object::String(s, _)) = o.first() {
                        self.show(&gs, &mut tm, s)?;
                    }
                }
                "'" | "\"" => {
                    if op.operator == "\"" {
                        gs.word_spacing = o.first().and_then(num).unwrap_or(gs.word_spacing);
                        gs.char_spacing = o.get(1).and_then(num).unwrap_or(gs.char_spacing);
                    }
                    tlm = M::translate(0.0, -gs.leading).then(tlm);
                    tm = tlm;
                    if let Some(Object::String(s, _)) = o.last() {
                        self.show(&gs, &mut tm, s)?;
                    }
                }
                "TJ" => {
                    if let Some(Object::Array(items)) = o.first() {
                        for item in items {
                            match item {
                                Object::String(s, _) => self.show(&gs, &mut tm, s)?,
                                other => {
                                    if let Some(adj) = num(other) {
                                        let tx = -adj / 1000.0 * gs.size * gs.hscale;
                                        tm = M::translate(tx, 0.0).then(tm);
                                    }
                                }
                            }
                        }
                    }
                }
                "Do" => {
                    if let Some(Object::Name(name)) = o.first() {
                        self.xobject(resources, name, &gs, depth)?;
                    }
                }
                "BI" | "ID" => self.out.images += 1,
                _ => {}
            }
        }
        Ok(())
    }

    fn font(&mut self, resources: &[&'a Dictionary], name: &[u8]) -> Option<usize> {
        for res in resources {
            let Some(Object::Dictionary(fonts)) = get(self.doc, res, b"Font") else {
                continue;
            };
            let Ok(entry) = fonts.get(name) else {
                continue;
            };
            let id = match entry {
                Object::Reference(id) => Some(*id),
                _ => None,
            };
            if let Some(id) = id
                && let Some(&i) = self.font_ids.get(&id)
            {
                return Some(i);
            }
            let font = match deref(self.doc, entry) {
                Object::Dictionary(d) => Font::load(self.doc, d),
                _ => Font::fallback(),
            };
            self.fonts.push(font);
            let i = self.fonts.len() - 1;
            if let Some(id) = id {
                self.font_ids.insert(id, i);
            }
            return Some(i);
        }
        None
    }

    fn xobject(
        &mut self,
        resources: &[&'a Dictionary],
        name: &[u8],
        gs: &Gs,
        depth: usize,
    ) -> Result<(), Error> {
        if depth >= MAX_FORM_DEPTH {
            return Ok(());
        }
        let doc = self.doc;
        let Some(stream) = resources.iter().find_map(|res| {
            let Some(Object::Dictionary(xo)) = get(doc, res, b"XObject") else {
                return None;
            };
            match xo.get(name).ok().map(|o| deref(doc, o)) {
                Some(Object::Stream(s)) => Some(s),
                _ => None,
            }
        }) else {
            return Ok(());
        };
        match get(doc, &stream.dict, b"Subtype").and_then(|o| o.as_name().ok()) {
            Some(b"Image") => self.out.images += 1,
            Some(b"Form") => {
                let data = stream
                    .decompressed_content_with_limit(self.budget.stream_limit())
                    .map_err(|_| {
                        Error::TooLarge(
                            "a form's content decompresses beyond the size limit".into(),
                        )
                    })?;
                self.budget.spend_bytes(data.len())?;
                let mut inner = Vec::with_capacity(resources.len() + 1);
                if let Some(Object::Dictionary(r)) = get(doc, &stream.dict, b"Resources") {
                    inner.push(r);
                }
                inner.extend_from_slice(resources);
                let mut gs = gs.clone();
                if let Some(Object::Array(m)) = get(doc, &stream.dict, b"Matrix")
                    && let Some(m) = M::of(m)
                {
                    gs.ctm = m.then(gs.ctm);
                }
                self.run(&data, &inner, gs, depth + 1)?;
            }
            _ => {}
        }
        Ok(())
    }

    fn show(&mut self, gs: &Gs, tm: &mut M, bytes: &[u8]) -> Result<(), Error> {
        let Some(fi) = gs.font else {
            return Ok(());
        };
        let font = &self.fonts[fi];
        font.codes(bytes, &mut self.codes);
        for code in &self.codes {
            let w0 = font.width(code.code) / 1000.0;
            let trm = M([gs.size * gs.hscale, 0.0, 0.0, gs.size, 0.0, gs.rise])
                .then(*tm)
                .then(gs.ctm);
            let size = (trm.0[2].powi(2) + trm.0[3].powi(2)).sqrt();
            let mapped = font.text(code, &mut self.text);
            let spacing = gs.char_spacing
                + if code.len == 1 && code.code == 32 {
                    gs.word_spacing
                } else {
                    0.0
                };
            let (tx, ty) = if font.vertical {
                (0.0, -(gs.size + spacing))
            } else {
                ((w0 * gs.size + spacing) * gs.hscale, 0.0)
            };
            let adv = M::translate(tx, ty).then(*tm).then(gs.ctm);
            let width = ((adv.0[4] - trm.0[4]).powi(2) + (adv.0[5] - trm.0[5]).powi(2)).sqrt();
            *tm = M::translate(tx, ty).then(*tm);
            if !mapped {
                self.out.unmapped += 1;
                continue;
            }
            let n = self.text.chars().count().max(1) as f32;
            for (k, ch) in self.text.chars().enumerate() {
                if ch.is_control() {
                    continue;
                }
                self.budget.spend_glyph()?;
                self.out.glyphs.push(Glyph {
                    x: trm.0[4] + (adv.0[4] - trm.0[4]) * k as f32 / n,
                    y: trm.0[5],
                    size,
                    width: width / n,
                    ch,
                    upright: trm.0[0] > 0.0 && trm.0[1].abs() < 1e-3 * trm.0[0].abs(),
                });
            }
        }
        Ok(())
    }
}

/// A page's resource dictionaries, its own first, then inherited ones.
fn page_resources(doc: &Document, page: ObjectId) -> Vec<&Dictionary> {
    let mut out = Vec::new();
    let Ok((own, ids)) = doc.get_page_resources(page) else {
        return out;
    };
    if let Some(d) = own {
        out.push(d);
    }
    for id in ids {
        if let Ok(d) = doc.get_dictionary(id) {
            out.push(d);
        }
    }
    out
}
