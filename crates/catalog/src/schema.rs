//! Embedded migrations, written in SQL that SQLite and PostgreSQL both accept.
//!
//! Booleans are stored as BIGINT 0/1 and JSON as TEXT so one schema serves both databases.

/// (version, statements) in order; a version is applied once, inside a transaction.
pub(crate) const MIGRATIONS: &[(i64, &[&str])] = &[
    (
        1,
        &[
            "CREATE TABLE instructors (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL
        )",
            "CREATE TABLE courses (
            id TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            description TEXT,
            instructor_id TEXT
        )",
            "CREATE TABLE chapters (
            id TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            course_id TEXT
        )",
            "CREATE TABLE lessons (
            id TEXT PRIMARY KEY,
            source TEXT NOT NULL UNIQUE,
            content_hash TEXT NOT NULL,
            text_hash TEXT NOT NULL,
            format TEXT NOT NULL,
            title TEXT,
            description TEXT,
            instructor_id TEXT,
            course_id TEXT,
            chapter_id TEXT,
            level TEXT,
            style TEXT,
            item_order BIGINT,
            runtime_s DOUBLE PRECISION,
            audio_path TEXT,
            synthetic BIGINT NOT NULL,
            language TEXT,
            duration_s DOUBLE PRECISION NOT NULL,
            word_count BIGINT NOT NULL,
            utterance_count BIGINT NOT NULL,
            quality_score DOUBLE PRECISION NOT NULL,
            trainable BIGINT NOT NULL,
            duplicate_of TEXT,
            service_terms TEXT NOT NULL,
            source_metrics TEXT,
            ingested_at TEXT NOT NULL
        )",
            "CREATE INDEX lessons_text_hash ON lessons (text_hash)",
            "CREATE INDEX lessons_instructor ON lessons (instructor_id)",
            "CREATE TABLE utterances (
            lesson_id TEXT NOT NULL,
            idx BIGINT NOT NULL,
            start_s DOUBLE PRECISION NOT NULL,
            end_s DOUBLE PRECISION NOT NULL,
            text TEXT NOT NULL,
            confidence DOUBLE PRECISION,
            extra TEXT,
            words TEXT NOT NULL,
            PRIMARY KEY (lesson_id, idx)
        )",
            "CREATE TABLE quality_reports (
            lesson_id TEXT PRIMARY KEY,
            metrics_version BIGINT NOT NULL,
            score DOUBLE PRECISION NOT NULL,
            report TEXT NOT NULL
        )",
            "CREATE TABLE term_occurrences (
            lesson_id TEXT NOT NULL,
            idx BIGINT NOT NULL,
            term TEXT NOT NULL,
            category TEXT NOT NULL,
            match_source TEXT NOT NULL,
            utterance_idx BIGINT NOT NULL,
            first_word BIGINT,
            last_word BIGINT,
            start_s DOUBLE PRECISION NOT NULL,
            end_s DOUBLE PRECISION NOT NULL,
            text TEXT NOT NULL,
            PRIMARY KEY (lesson_id, idx)
        )",
            "CREATE INDEX term_occurrences_term ON term_occurrences (term)",
            "CREATE TABLE flags (
            lesson_id TEXT NOT NULL,
            code TEXT NOT NULL,
            severity TEXT NOT NULL,
            detail TEXT NOT NULL,
            PRIMARY KEY (lesson_id, code)
        )",
            "CREATE TABLE quarantine (
            source TEXT PRIMARY KEY,
            reason TEXT NOT NULL,
            content_hash TEXT,
            quarantined_at TEXT NOT NULL
        )",
        ],
    ),
    (
        2,
        &[
            // Derived knowledge (crates/knowledge): rebuilt from the lessons, never edited by hand.
            "CREATE TABLE lesson_knowledge (
                lesson_id TEXT PRIMARY KEY,
                content_hash TEXT NOT NULL,
                version BIGINT NOT NULL,
                structure TEXT NOT NULL,
                summary TEXT NOT NULL,
                timeline TEXT NOT NULL,
                built_at TEXT NOT NULL
            )",
            "CREATE TABLE lesson_concepts (
                lesson_id TEXT NOT NULL,
                concept TEXT NOT NULL,
                weight DOUBLE PRECISION NOT NULL,
                mentions BIGINT NOT NULL,
                occurrences TEXT NOT NULL,
                PRIMARY KEY (lesson_id, concept)
            )",
            "CREATE INDEX lesson_concepts_concept ON lesson_concepts (concept)",
            "CREATE TABLE instructor_phrases (
                instructor_id TEXT PRIMARY KEY,
                lessons_key TEXT NOT NULL,
                pool TEXT NOT NULL
            )",
            "CREATE TABLE knowledge_artifacts (
                name TEXT PRIMARY KEY,
                body TEXT NOT NULL,
                built_at TEXT NOT NULL
            )",
        ],
    ),
    (
        3,
        &[
            // Exact duplicates are stored as not trainable since this version; rows written
            // before it are corrected once (unchanged input is never rewritten by ingest).
            "UPDATE lessons SET trainable = 0 WHERE duplicate_of IS NOT NULL",
        ],
    ),
    (
        4,
        &[
            // The HTTP service's own records (crates/server), shared by every replica.
            "CREATE TABLE api_keys (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                scope TEXT NOT NULL,
                key_hash TEXT NOT NULL UNIQUE,
                rate_limit BIGINT NOT NULL,
                created_at TEXT NOT NULL,
                revoked_at TEXT
            )",
            "CREATE TABLE web_sessions (
                token_hash TEXT PRIMARY KEY,
                key_id TEXT NOT NULL,
                created_at TEXT NOT NULL,
                expires_unix BIGINT NOT NULL
            )",
            "CREATE TABLE feedback (
                id TEXT PRIMARY KEY,
                key_id TEXT,
                student_id TEXT,
                question TEXT,
                take_id TEXT,
                rating BIGINT NOT NULL,
                comment TEXT,
                created_at TEXT NOT NULL
            )",
            "CREATE TABLE jobs (
                id TEXT PRIMARY KEY,
                kind TEXT NOT NULL,
                params TEXT NOT NULL,
                status TEXT NOT NULL,
                progress DOUBLE PRECISION NOT NULL,
                message TEXT NOT NULL,
                result TEXT,
                cancel_requested BIGINT NOT NULL,
                worker TEXT,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL
            )",
            "CREATE INDEX jobs_status ON jobs (status)",
        ],
    ),
    (
        5,
        &[
            // The learner's records (crates/learner): students, per-concept skill estimates,
            // spaced practice items, the history of evidence and the current plan.
            "CREATE TABLE students (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                level BIGINT NOT NULL,
                profile TEXT NOT NULL,
                created_at TEXT NOT NULL
            )",
            "CREATE TABLE student_skills (
                student_id TEXT NOT NULL,
                concept TEXT NOT NULL,
                mean DOUBLE PRECISION NOT NULL,
                sd DOUBLE PRECISION NOT NULL,
                evidence BIGINT NOT NULL,
                updated_unix BIGINT NOT NULL,
                PRIMARY KEY (student_id, concept)
            )",
            "CREATE TABLE student_items (
                student_id TEXT NOT NULL,
                item_id TEXT NOT NULL,
                concept TEXT NOT NULL,
                state TEXT NOT NULL,
                due_unix BIGINT NOT NULL,
                PRIMARY KEY (student_id, item_id)
            )",
            "CREATE TABLE student_events (
                id TEXT PRIMARY KEY,
                student_id TEXT NOT NULL,
                kind TEXT NOT NULL,
                concept TEXT,
                payload TEXT NOT NULL,
                created_unix BIGINT NOT NULL
            )",
            "CREATE INDEX student_events_student ON student_events (student_id, created_unix)",
            "CREATE TABLE student_plans (
                student_id TEXT PRIMARY KEY,
                plan TEXT NOT NULL,
                created_unix BIGINT NOT NULL
            )",
        ],
    ),
    (
        6,
        &[
            "CREATE TABLE lesson_audio (
                lesson_id TEXT PRIMARY KEY,
                audio_hash TEXT NOT NULL,
                version BIGINT NOT NULL,
                snr_db DOUBLE PRECISION NOT NULL,
                quality TEXT NOT NULL,
                analysed_at TEXT NOT NULL
            )",
            "CREATE TABLE demonstrations (
                lesson_id TEXT NOT NULL,
                idx BIGINT NOT NULL,
                start_s DOUBLE PRECISION NOT NULL,
                end_s DOUBLE PRECISION NOT NULL,
                before_utterance BIGINT,
                after_utterance BIGINT,
                analysis TEXT NOT NULL,
                PRIMARY KEY (lesson_id, idx)
            )",
        ],
    ),
    (7, &["ALTER TABLE lessons ADD COLUMN video_url TEXT"]),
    (
        8,
        &[
            // NULL in rows analysed before: read back from the quality JSON.
            "ALTER TABLE lesson_audio ADD COLUMN level_spread_db DOUBLE PRECISION",
            "ALTER TABLE lesson_audio ADD COLUMN clipping_ratio DOUBLE PRECISION",
        ],
    ),
];
