// Suites that add books to the test database run one after the other: PagingTests walks the
// whole catalog and expects the set of books not to change under it except by its own inserts.
import Testing

/// The parent of the suites that insert or delete books; `.serialized` reaches the nested suites.
@Suite(.serialized) struct CatalogWriters {}
