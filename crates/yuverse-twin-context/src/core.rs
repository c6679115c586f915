//! The embedded NGSI-LD core `@context` and the URLs that name it.

use std::sync::OnceLock;

use serde_json::Value;

/// The core `@context` document of ETSI GS CIM 009 V1.9.1, Annex B (normative), as JSON text.
///
/// Transcribed from the V1.9.1 text of Annex B as quoted in a public repository that holds
/// the standard's clauses as text; cross-checked against an earlier (V1.8 era) copy of the
/// same table kept by another NGSI-LD broker. The only repair is a page-break artefact of
/// the text extraction inside the `problemDetails` entry.
pub const CORE_CONTEXT_JSON: &str = include_str!("core-context-v1.9.jsonld");

/// The edition of the embedded core context.
pub const CORE_CONTEXT_EDITION: &str = "ETSI GS CIM 009 V1.9.1, Annex B";

/// The unversioned core context URL, and the one the broker advertises in `Link` headers.
pub const CORE_CONTEXT_URL: &str = "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld";

/// The versioned core context URL of the embedded edition.
pub const CORE_CONTEXT_URL_V1_9: &str =
    "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.9.jsonld";

/// Every URL treated as the core context and served from the embedded V1.9 document.
///
/// The core context of later editions only adds terms (new features) and keeps the mapping
/// of existing ones, so the V1.9 document is a superset that gives the same expansion for
/// every term of the V1.6–V1.8 documents. Those URLs are therefore resolved locally too,
/// which keeps requests naming them working on a closed network.
pub const CORE_CONTEXT_URLS: &[&str] = &[
    CORE_CONTEXT_URL,
    "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.6.jsonld",
    "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.7.jsonld",
    "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.8.jsonld",
    CORE_CONTEXT_URL_V1_9,
];

/// The NGSI-LD namespace, `ngsi-ld:` in the core context.
pub const NGSI_LD_NAMESPACE: &str = "https://uri.etsi.org/ngsi-ld/";

/// The default vocabulary (`@vocab` of the core context): terms that no context defines
/// expand to this IRI followed by the term.
pub const DEFAULT_CONTEXT_VOCAB: &str = "https://uri.etsi.org/ngsi-ld/default-context/";

/// Whether `url` names the core context (one of [`CORE_CONTEXT_URLS`], compared exactly
/// after trimming surrounding whitespace).
pub fn is_core_context_url(url: &str) -> bool {
    let url = url.trim();
    CORE_CONTEXT_URLS.contains(&url)
}

/// The embedded core context document (`{"@context": {…}}`), parsed once.
pub fn core_context_document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        serde_json::from_str(CORE_CONTEXT_JSON).expect("the embedded core context is valid JSON")
    })
}
