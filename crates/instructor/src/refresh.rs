//! After an ingest: the knowledge base and the search index brought in step with the catalog at
//! the same time. Both only read lessons and write different things (knowledge rows in the
//! catalog, the index in its folder), so on two cores the one's reading overlaps the other's work.

use std::sync::Arc;

use fretwise_catalog::{Catalog, CatalogError, Progress};
use fretwise_knowledge::{KnowledgeError, RebuildReport};

use crate::index::{Fed, IndexError, IndexReport, PassageIndex};

/// Errors of [`refresh`], naming the step that failed.
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    /// The knowledge rebuild failed.
    #[error("building the knowledge base: {0}")]
    Knowledge(#[from] KnowledgeError),
    /// The index update failed.
    #[error("updating the search index: {0}")]
    Index(#[from] IndexError),
    /// Opening the index's own catalog connection failed.
    #[error("opening a second catalog connection: {0}")]
    Catalog(#[from] CatalogError),
    /// The knowledge task panicked or was cancelled.
    #[error("the knowledge rebuild stopped: {0}")]
    Task(String),
}

/// Brings the knowledge base (incrementally) and `index` in step with the catalog, the two
/// concurrently, then stamps the index with the change marker the new knowledge gives the
/// catalog (so the next cheap `seems_current` check holds). `fed`: what the index's feed
/// indexed while ingest ran ([`PassageIndex::feed`]).
pub async fn refresh(
    catalog: &Catalog,
    index: &mut PassageIndex,
    fed: Option<Fed>,
    knowledge_progress: Arc<dyn Progress>,
    index_progress: &dyn Progress,
) -> Result<(RebuildReport, IndexReport), RefreshError> {
    // One read of the lesson list serves both (the marker first, as the index needs it).
    let marker = catalog.change_marker().await?;
    let infos = Arc::new(catalog.lesson_curations().await?);
    let knowledge = {
        let catalog = catalog.clone();
        let infos = infos.clone();
        tokio::spawn(async move {
            fretwise_knowledge::rebuild_from(
                &catalog,
                false,
                knowledge_progress.as_ref(),
                Some(infos),
            )
            .await
        })
    };
    // Its own connection: SQLite's pool has one, which the rebuild's writes need meanwhile.
    let indexed = match catalog.second_handle().await {
        Ok(reader) => {
            let r = index
                .update_fed(&reader, index_progress, fed, Some((marker, infos)))
                .await;
            reader.close().await;
            r.map_err(RefreshError::from)
        }
        Err(e) => Err(e.into()),
    };
    // The rebuild is always waited for: nothing is left running behind a failed index.
    let rebuilt = knowledge
        .await
        .map_err(|e| RefreshError::Task(e.to_string()))??;
    let indexed = indexed?;
    index.stamp_if_current(catalog).await?;
    Ok((rebuilt, indexed))
}
