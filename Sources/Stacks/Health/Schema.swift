// The migrations this build expects to find applied. A unit test checks the list against the
// files in sql/, so adding a migration without updating it fails the build's tests.

/// The schema version of this build.
enum Schema {
    /// Every migration in `sql/`, by file name without `.sql`, in order.
    static let migrations = [
        "001_catalog", "002_auth", "003_loans", "004_chat", "005_security", "006_catalog_scale", "007_access_check",
        "008_catalog_sort", "009_active_loans", "010_circulation", "011_notices", "012_assistant",
        "013_counters_per_statement",
    ]
}
