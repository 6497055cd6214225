//! Pages to PDF (krilla through krilla-svg: text is drawn with the embedded, subset font, so it
//! stays real, searchable text) and to PNG (resvg).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use krilla::geom::Size;
use krilla::metadata::{DateTime, Metadata};
use krilla::page::PageSettings;
use krilla::{Document, SerializeSettings};
use krilla_svg::{SurfaceExt, SvgSettings};
use resvg::usvg::{self, fontdb};

use crate::{BriefingError, PAGE};

/// Where Debian's `fonts-noto-cjk` puts Noto Sans CJK (installed by `scripts/setup.sh`).
pub const NOTO_SANS_CJK: [&str; 2] = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
];

/// The fonts pages are drawn with: Noto Sans CJK SC (regular and bold), and the generic
/// `sans-serif` mapped to it.
#[derive(Debug, Clone)]
pub struct Fonts {
    db: Arc<fontdb::Database>,
}

impl Fonts {
    /// Load the font files (a `.ttc` collection or single fonts); at least one must carry
    /// Chinese glyphs under the family "Noto Sans CJK SC".
    pub fn load(files: &[PathBuf]) -> Result<Fonts, BriefingError> {
        let mut db = fontdb::Database::new();
        for f in files {
            db.load_font_file(f).map_err(|e| BriefingError::Font(format!("{}: {e}", f.display())))?;
        }
        let family = "Noto Sans CJK SC";
        let found = db.faces().any(|f| f.families.iter().any(|(name, _)| name == family));
        if !found {
            return Err(BriefingError::Font(format!(
                "none of {} holds {family} (install Debian's fonts-noto-cjk)",
                files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(", ")
            )));
        }
        db.set_sans_serif_family(family);
        Ok(Fonts { db: Arc::new(db) })
    }

    /// Noto Sans CJK from `dir` (`CITYOPS_FONT_DIR`) or where Debian installs it.
    pub fn system(dir: Option<&Path>) -> Result<Fonts, BriefingError> {
        let files: Vec<PathBuf> = match dir {
            Some(d) => {
                NOTO_SANS_CJK.iter().filter_map(|f| Path::new(f).file_name()).map(|n| d.join(n)).collect()
            }
            None => NOTO_SANS_CJK.iter().map(PathBuf::from).collect(),
        };
        Fonts::load(&files)
    }

    fn tree(&self, page: usize, svg: &str) -> Result<usvg::Tree, BriefingError> {
        let opt = usvg::Options {
            fontdb: self.db.clone(),
            font_family: "Noto Sans CJK SC".into(),
            ..usvg::Options::default()
        };
        usvg::Tree::from_str(svg, &opt).map_err(|e| BriefingError::Svg { page, message: e.to_string() })
    }
}

/// The pages as one PDF: A4, titled, created at `created` (China Standard Time; the only part of
/// the bytes that depends on when it is made).
pub fn pdf(
    pages: &[String],
    fonts: &Fonts,
    title: &str,
    created: chrono::NaiveDateTime,
) -> Result<Vec<u8>, BriefingError> {
    use chrono::{Datelike, Timelike};
    let mut document = Document::new_with(SerializeSettings::default());
    let size = Size::from_wh(PAGE.0 as f32, PAGE.1 as f32)
        .ok_or_else(|| BriefingError::Write("page size".into()))?;
    for (i, svg) in pages.iter().enumerate() {
        let tree = fonts.tree(i + 1, svg)?;
        let mut page = document.start_page_with(PageSettings::new(size));
        let mut surface = page.surface();
        surface
            .draw_svg(&tree, size, SvgSettings { embed_text: true, ..SvgSettings::default() })
            .ok_or_else(|| BriefingError::Write(format!("page {} could not be drawn", i + 1)))?;
        surface.finish();
        page.finish();
    }
    let date = DateTime::new(u16::try_from(created.year()).unwrap_or(2026))
        .month(u8::try_from(created.month()).unwrap_or(1))
        .day(u8::try_from(created.day()).unwrap_or(1))
        .hour(u8::try_from(created.hour()).unwrap_or(0))
        .minute(u8::try_from(created.minute()).unwrap_or(0))
        .second(u8::try_from(created.second()).unwrap_or(0))
        .utc_offset_hour(8);
    document.set_metadata(
        Metadata::new()
            .title(title.to_owned())
            .creator("cityops".into())
            .language("zh-CN".into())
            .creation_date(date),
    );
    document.finish().map_err(|e| BriefingError::Write(format!("{e:?}")))
}

/// One page as a PNG at `scale` × its size in points (2.0: about 144 dpi).
pub fn png(page: &str, fonts: &Fonts, scale: f32) -> Result<Vec<u8>, BriefingError> {
    let tree = fonts.tree(1, page)?;
    let size =
        tree.size().to_int_size().scale_by(scale).ok_or_else(|| BriefingError::Write("png size".into()))?;
    let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height())
        .ok_or_else(|| BriefingError::Write("png size".into()))?;
    resvg::render(&tree, resvg::tiny_skia::Transform::from_scale(scale, scale), &mut pixmap.as_mut());
    pixmap.encode_png().map_err(|e| BriefingError::Write(e.to_string()))
}
