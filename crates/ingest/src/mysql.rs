//! The platform's Laravel database (MySQL/MariaDB), read-only, in keyset-paginated chunks so
//! memory stays bounded however many lessons there are.

use std::path::{Path, PathBuf};

use fretwise_catalog::{ChapterRef, CourseRef, InstructorRef, LessonMetadata};
use sqlx::Row;
use sqlx::mysql::{MySqlPool, MySqlPoolOptions, MySqlRow};

use crate::{IngestError, InputItem, Payload};

/// A connection to the platform database.
#[derive(Debug, Clone)]
pub struct MysqlSource {
    pool: MySqlPool,
    display_url: String,
    storage_root: Option<PathBuf>,
    video_url_template: Option<String>,
}

/// Keyset-paginated reader over the platform's lessons.
pub struct MysqlStream {
    source: MysqlSource,
    after_id: i64,
    done: bool,
}

const LESSONS_SQL: &str = "SELECT
    CAST(s.id AS SIGNED) AS segment_id, s.name AS segment_name,
    s.description AS segment_description, s.Level AS level, s.Style AS style,
    CAST(s.runtime AS SIGNED) AS runtime, CAST(s.item_order AS SIGNED) AS item_order,
    CAST(ch.id AS SIGNED) AS channel_id, ch.title AS channel_title, ch.educator_name,
    CAST(c.id AS SIGNED) AS course_id, c.title AS course_title,
    c.long_description AS course_description, CAST(c.authorid AS SIGNED) AS author_id,
    a.authorfirstname, a.authorlastname,
    s.video AS video,
    CAST(p.transcript_json AS CHAR) AS transcript_json, p.transcript_path, p.audio_path,
    p.status
  FROM local_truefire_segments s
  JOIN local_truefire_channels ch ON ch.id = s.channel_id
  LEFT JOIN local_truefire_courses c ON c.id = ch.courseid
  LEFT JOIN local_truefire_authors a ON a.authorid = c.authorid
  LEFT JOIN truefire_segment_processing p ON p.id =
      (SELECT MAX(p2.id) FROM truefire_segment_processing p2 WHERE p2.segment_id = s.id)
  WHERE s.id > ?
  ORDER BY s.id
  LIMIT ?";

/// The URL without its password, for naming sources.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            let user = creds.split(':').next().unwrap_or("");
            format!("{}{}@{}", &url[..scheme + 3], user, &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

/// A text column, trimmed; empty reads as absent.
fn text(row: &MySqlRow, column: &str) -> Result<Option<String>, sqlx::Error> {
    Ok(row
        .try_get::<Option<String>, _>(column)?
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty()))
}

/// The `transcript.json` beside a row's `transcript_path`, under the storage root (the working
/// folder when none is set); a path that is absolute or climbs out of the root is refused.
fn transcript_file(storage_root: Option<&Path>, transcript_path: &str) -> Result<PathBuf, String> {
    let root = storage_root.unwrap_or(Path::new(""));
    let named = match storage_root {
        Some(r) => format!("the storage root {}", r.display()),
        None => "the working folder (no --storage-root set)".to_string(),
    };
    let path = crate::join_inside(root, transcript_path).map_err(|e| match e {
        crate::Escape::Absolute => format!(
            "transcript_path `{transcript_path}` is an absolute path; it must be relative to {named}"
        ),
        crate::Escape::AboveRoot => {
            format!("transcript_path `{transcript_path}` leads outside {named}")
        }
    })?;
    Ok(path
        .parent()
        .unwrap_or(Path::new(""))
        .join("transcript.json"))
}

impl MysqlSource {
    /// Connects (read-only use) to `url`; transcript files resolve under `storage_root`.
    pub async fn connect(url: &str, storage_root: Option<PathBuf>) -> Result<Self, IngestError> {
        let pool = MySqlPoolOptions::new()
            .max_connections(2)
            .connect(url)
            .await?;
        Ok(Self {
            pool,
            display_url: redact(url),
            storage_root,
            video_url_template: None,
        })
    }

    /// Links each segment's `video` through `template`, an http(s) URL with `{video}` where the
    /// name goes (`https://videos.example.com/{video}`); citations then open the video.
    pub fn with_video_url_template(mut self, template: &str) -> Result<Self, IngestError> {
        let bad = |message: String| IngestError::Source {
            path: "--video-url-template".into(),
            message,
        };
        if !template.contains("{video}") {
            return Err(bad(format!(
                "`{template}` has no {{video}} where the segment's video name goes"
            )));
        }
        crate::checked_video_url(&crate::video_link(template, "x")).map_err(bad)?;
        self.video_url_template = Some(template.to_string());
        Ok(self)
    }

    /// Number of lessons in the database.
    pub async fn count(&self) -> Result<u64, IngestError> {
        let row = sqlx::query("SELECT CAST(COUNT(*) AS SIGNED) AS n FROM local_truefire_segments")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get::<i64, _>("n")?.max(0) as u64)
    }

    /// A reader over all lessons in id order.
    pub fn stream(self) -> MysqlStream {
        MysqlStream {
            source: self,
            after_id: -1,
            done: false,
        }
    }

    fn item(&self, row: &MySqlRow) -> Result<InputItem, sqlx::Error> {
        let segment_id: i64 = row.try_get("segment_id")?;
        let source = format!("{}#segment={segment_id}", self.display_url);
        let author_id: Option<i64> = row.try_get("author_id")?;
        let first = text(row, "authorfirstname")?;
        let last = text(row, "authorlastname")?;
        let educator = text(row, "educator_name")?;
        let name = match (first, last) {
            (Some(f), Some(l)) => Some(format!("{f} {l}")),
            (Some(n), None) | (None, Some(n)) => Some(n),
            (None, None) => educator,
        };
        let instructor = name.map(|name| InstructorRef {
            id: match author_id {
                Some(a) => format!("author:{a}"),
                None => crate::slug(&name),
            },
            name,
        });
        let course_id: Option<i64> = row.try_get("course_id")?;
        let course = course_id.map(|id| -> Result<CourseRef, sqlx::Error> {
            Ok(CourseRef {
                id: format!("course:{id}"),
                title: text(row, "course_title")?.unwrap_or_else(|| format!("Course {id}")),
                description: text(row, "course_description")?,
            })
        });
        let course = course.transpose()?;
        let chapter_id: i64 = row.try_get("channel_id")?;
        let runtime: Option<i64> = row.try_get("runtime")?;
        let metadata = LessonMetadata {
            title: text(row, "segment_name")?,
            description: text(row, "segment_description")?,
            instructor,
            course,
            chapter: Some(ChapterRef {
                id: format!("chapter:{chapter_id}"),
                title: text(row, "channel_title")?.unwrap_or_default(),
            }),
            level: text(row, "level")?,
            style: text(row, "style")?,
            item_order: row.try_get("item_order")?,
            runtime_s: runtime.map(|r| r as f64),
            audio_path: text(row, "audio_path")?,
            // The segment's video name becomes a link only through the platform's URL template:
            // the database holds names, and where they are served is the platform's business.
            video_url: match (&self.video_url_template, text(row, "video")?) {
                (Some(t), Some(v)) => crate::checked_video_url(&crate::video_link(t, &v)).ok(),
                _ => None,
            },
            synthetic: false,
        };
        let json = text(row, "transcript_json")?;
        let transcript_path = text(row, "transcript_path")?;
        let status = text(row, "status")?;
        let payload = match (json, transcript_path) {
            (Some(j), _) => Payload::Bytes(j.into_bytes()),
            (None, Some(p)) => match transcript_file(self.storage_root.as_deref(), &p) {
                Err(reason) => Payload::Missing(reason),
                Ok(file) if file.is_file() => Payload::File(file),
                Ok(file) => Payload::Missing(format!(
                    "transcript_json is NULL and {} does not exist (set --storage-root to the platform's storage folder)",
                    file.display()
                )),
            },
            (None, None) => match status.as_deref() {
                Some("failed") => Payload::Missing(
                    "processing status is `failed` and there is no transcript".into(),
                ),
                _ => Payload::Pending,
            },
        };
        Ok(InputItem {
            source,
            id: format!("segment:{segment_id}"),
            metadata,
            payload,
        })
    }
}

impl MysqlStream {
    pub(crate) async fn next_items(
        &mut self,
        n: usize,
    ) -> Result<Option<Vec<InputItem>>, IngestError> {
        if self.done {
            return Ok(None);
        }
        let rows = sqlx::query(LESSONS_SQL)
            .bind(self.after_id)
            .bind(n as i64)
            .fetch_all(&self.source.pool)
            .await?;
        if rows.len() < n {
            self.done = true;
        }
        if rows.is_empty() {
            return Ok(None);
        }
        let mut items = Vec::with_capacity(rows.len());
        for row in &rows {
            self.after_id = row.try_get("segment_id")?;
            items.push(self.source.item(row)?);
        }
        Ok(Some(items))
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    #[test]
    fn transcript_paths_stay_under_the_storage_root() {
        let root = Path::new("/srv/storage");
        assert_eq!(
            super::transcript_file(Some(root), "segments/104/transcript.txt").unwrap(),
            root.join("segments/104/transcript.json")
        );
        assert_eq!(
            super::transcript_file(None, "segments/104/transcript.txt").unwrap(),
            Path::new("segments/104/transcript.json")
        );
        assert_eq!(
            super::transcript_file(Some(root), "transcript.txt").unwrap(),
            root.join("transcript.json")
        );
        let e = super::transcript_file(Some(root), "/etc/passwd").unwrap_err();
        assert!(
            e.contains("`/etc/passwd` is an absolute path") && e.contains("/srv/storage"),
            "{e}"
        );
        for escape in [
            "../../etc/transcript.txt",
            "segments/../../x/t.txt",
            "../t.txt",
        ] {
            let e = super::transcript_file(Some(root), escape).unwrap_err();
            assert!(
                e.contains(&format!(
                    "`{escape}` leads outside the storage root /srv/storage"
                )),
                "{e}"
            );
        }
        let e = super::transcript_file(None, "../t.txt").unwrap_err();
        assert!(e.contains("the working folder"), "{e}");
    }

    #[test]
    fn redact_hides_the_password() {
        assert_eq!(
            super::redact("mysql://root:secret@localhost:3306/db"),
            "mysql://root@localhost:3306/db"
        );
        assert_eq!(
            super::redact("mysql://localhost/db"),
            "mysql://localhost/db"
        );
    }
}
