//! The FAX-ready A4 PDF (DESIGN §6.3), typeset by the typst crate from the template in
//! `assets/slip.typ` (embedded; a copy named by `slip_template` / ANSHIN_SLIP_TEMPLATE replaces
//! it without a rebuild). The slip goes in as JSON; the Japanese font is embedded and subset.

use super::model::{ContactKind, Slip};
use std::path::{Path, PathBuf};
use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime};
use typst::layout::PagedDocument;
use typst::syntax::{FileId, Source, VirtualPath};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, World};

pub const DEFAULT_TEMPLATE: &str = include_str!("../../assets/slip.typ");

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("日本語フォントが見つかりません。IPAex ゴシック（Debian/Ubuntu: apt install fonts-ipaexfont-gothic）か Noto Sans CJK を入れるか、設定の pdf_font にフォントファイルを指定してください")]
    NoFont,
    #[error("フォント {0} を読めません")]
    BadFont(String),
    #[error("連絡票のひな形（{0}）を読めません")]
    Template(String),
    #[error("連絡票を組版できません: {0}")]
    Typeset(String),
}

/// Where Japanese fonts live on the three platforms (DESIGN §6.3), in order of preference.
const SYSTEM_FONTS: &[&str] = &[
    // Linux
    "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf",
    "/usr/share/fonts/truetype/ipaexfont-gothic/ipaexg.ttf",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf",
    // macOS
    "/System/Library/Fonts/ヒラギノ角ゴシック W3.ttc",
    "/System/Library/Fonts/Hiragino Sans GB.ttc",
    // Windows
    "C:\\Windows\\Fonts\\YuGothM.ttc",
    "C:\\Windows\\Fonts\\msgothic.ttc",
];

/// The configured font, else the first system Japanese font found.
pub fn find_font(configured: Option<&Path>) -> Result<PathBuf, PdfError> {
    if let Some(path) = configured {
        return if path.exists() {
            Ok(path.to_path_buf())
        } else {
            Err(PdfError::BadFont(path.display().to_string()))
        };
    }
    SYSTEM_FONTS
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .ok_or(PdfError::NoFont)
}

struct SlipWorld {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
    main: Source,
    data: Bytes,
}

impl World for SlipWorld {
    fn library(&self) -> &LazyHash<Library> {
        &self.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::NotFound(id.vpath().as_rootless_path().into()))
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        // The template may read exactly one file: the slip.
        if id.vpath().as_rootless_path() == Path::new("slip.json") {
            Ok(self.data.clone())
        } else {
            Err(FileError::NotFound(id.vpath().as_rootless_path().into()))
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<i64>) -> Option<Datetime> {
        None
    }
}

/// The slip as the template sees it: every text already formatted.
fn template_data(slip: &Slip, font_family: &str) -> serde_json::Value {
    serde_json::json!({
        "font": font_family,
        "date": super::dates::long(slip.date),
        "to": { "institution": slip.to.institution, "doctor": slip.to.doctor, "fax": slip.to.fax },
        "from": { "office": slip.from.office, "name": slip.from.name, "phone": slip.from.phone, "fax": slip.from.fax },
        "kinds": ContactKind::ALL.iter().map(|k| serde_json::json!({"label": k.label(), "on": *k == slip.purpose.kind()})).collect::<Vec<_>>(),
        "purpose": format!("{}. {}", slip.purpose.number(), slip.purpose.label()),
        "first_contact": slip.first_contact,
        "patient": super::export::patient_line(slip),
        "body": slip.request.body.trim(),
        "slots": slip.request.proposed_slots.iter().map(|s| super::dates::display_slot(s)).collect::<Vec<_>>(),
        "reply_by": slip.request.reply_by.map(super::dates::long),
        "reply": super::export::reply_choices(slip),
    })
}

/// Typesets the slip. `template`: a replacement for the embedded layout.
pub fn render_pdf(slip: &Slip, font: &Path, template: Option<&Path>) -> Result<Vec<u8>, PdfError> {
    let font_bytes =
        std::fs::read(font).map_err(|_| PdfError::BadFont(font.display().to_string()))?;
    let fonts: Vec<Font> = Font::iter(Bytes::new(font_bytes)).collect();
    let family = fonts
        .first()
        .map(|f| f.info().family.clone())
        .ok_or_else(|| PdfError::BadFont(font.display().to_string()))?;
    let source_text = match template {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|_| PdfError::Template(path.display().to_string()))?,
        None => DEFAULT_TEMPLATE.to_string(),
    };
    let data = serde_json::to_vec(&template_data(slip, &family)).expect("slip data serializes");
    let world = SlipWorld {
        library: LazyHash::new(Library::default()),
        book: LazyHash::new(FontBook::from_fonts(&fonts)),
        fonts,
        main: Source::new(FileId::new(None, VirtualPath::new("slip.typ")), source_text),
        data: Bytes::new(data),
    };
    let document: PagedDocument = typst::compile(&world).output.map_err(|errors| {
        PdfError::Typeset(
            errors
                .iter()
                .map(|e| e.message.to_string())
                .collect::<Vec<_>>()
                .join("; "),
        )
    })?;
    typst_pdf::pdf(&document, &typst_pdf::PdfOptions::default()).map_err(|errors| {
        PdfError::Typeset(
            errors
                .iter()
                .map(|e| e.message.to_string())
                .collect::<Vec<_>>()
                .join("; "),
        )
    })
}
