package store

import (
	"errors"
	"fmt"
	"strings"

	"github.com/cairn-audit/cairn/internal/lake"
	"github.com/marcboeker/go-duckdb"
)

// userErrorTypes are the DuckDB errors a statement causes by what it says
// (a name that does not bind, a bad cast, a file function refused at run
// time, ...), as opposed to the engine failing.
var userErrorTypes = map[duckdb.ErrorType]bool{
	duckdb.ErrorTypeOutOfRange:           true,
	duckdb.ErrorTypeConversion:           true,
	duckdb.ErrorTypeUnknownType:          true,
	duckdb.ErrorTypeDecimal:              true,
	duckdb.ErrorTypeMismatchType:         true,
	duckdb.ErrorTypeDivideByZero:         true,
	duckdb.ErrorTypeObjectSize:           true,
	duckdb.ErrorTypeInvalidType:          true,
	duckdb.ErrorTypeNotImplemented:       true,
	duckdb.ErrorTypeExpression:           true,
	duckdb.ErrorTypeCatalog:              true,
	duckdb.ErrorTypeParser:               true,
	duckdb.ErrorTypeSyntax:               true,
	duckdb.ErrorTypeBinder:               true,
	duckdb.ErrorTypeInvalidInput:         true,
	duckdb.ErrorTypePermission:           true,
	duckdb.ErrorTypeParameterNotResolved: true,
	duckdb.ErrorTypeParameterNotAllowed:  true,
	duckdb.ErrorTypeSequence:             true,
	duckdb.ErrorTypeMissingExtension:     true,
	duckdb.ErrorTypeAutoLoad:             true,
	duckdb.ErrorTypeInvalidConfiguration: true,
	duckdb.ErrorTypeDependency:           true,
	duckdb.ErrorTypeConstraint:           true,
	duckdb.ErrorTypeInvalid:              true,
	duckdb.ErrorTypeSettings:             true,
	duckdb.ErrorTypeTransaction:          false,
	duckdb.ErrorTypeInterrupt:            false,
	duckdb.ErrorTypeOutOfMemory:          false,
	duckdb.ErrorTypeIO:                   false,
	duckdb.ErrorTypeFatal:                false,
	duckdb.ErrorTypeInternal:             false,
	duckdb.ErrorTypeSerialization:        false,
	duckdb.ErrorTypeConnection:           false,
	duckdb.ErrorTypeNullPointer:          false,
	duckdb.ErrorTypeHTTP:                 false,
	duckdb.ErrorTypeNetwork:              false,
	duckdb.ErrorTypeScheduler:            false,
	duckdb.ErrorTypeExecutor:             false,
	duckdb.ErrorTypeIndex:                false,
	duckdb.ErrorTypeStat:                 false,
	duckdb.ErrorTypeOptimizer:            false,
	duckdb.ErrorTypePlanner:              false,
}

// classifyQueryError maps an error running a user statement to the
// Engine's errors: a memory limit to lake.ErrQueryLimit, a user's mistake
// to lake.ErrInvalidQuery (with DuckDB's message), anything else as is.
func classifyQueryError(err error) error {
	var de *duckdb.Error
	if !errors.As(err, &de) {
		return err
	}
	switch {
	case de.Type == duckdb.ErrorTypeOutOfMemory:
		// The rest of DuckDB's message is advice about spilling to disk.
		msg, _, _ := strings.Cut(de.Msg, "\n")
		return fmt.Errorf("%w: %s", lake.ErrQueryLimit, msg)
	case userErrorTypes[de.Type]:
		return fmt.Errorf("%w: %s", lake.ErrInvalidQuery, de.Msg)
	}
	return err
}
