/* libpq, plus typed names for the PG_DIAG_* field codes, which are character macros Swift cannot import. */
#include <postgresql/libpq-fe.h>

static const int CLibPQ_DiagSQLState = PG_DIAG_SQLSTATE;
static const int CLibPQ_DiagMessagePrimary = PG_DIAG_MESSAGE_PRIMARY;
static const int CLibPQ_DiagMessageDetail = PG_DIAG_MESSAGE_DETAIL;
static const int CLibPQ_DiagConstraintName = PG_DIAG_CONSTRAINT_NAME;
