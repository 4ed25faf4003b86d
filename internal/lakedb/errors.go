package lakedb

import (
	"errors"
	"fmt"
	"strings"

	"github.com/cairn-audit/cairn/internal/lake"
	goduckdb "github.com/marcboeker/go-duckdb"
)

// userErrorTypes are the DuckDB errors a statement causes by what it says
// (a name that does not bind, a bad cast, a file function refused at run
// time, ...), as opposed to the engine failing.
var userErrorTypes = map[goduckdb.ErrorType]bool{
	goduckdb.ErrorTypeOutOfRange:           true,
	goduckdb.ErrorTypeConversion:           true,
	goduckdb.ErrorTypeUnknownType:          true,
	goduckdb.ErrorTypeDecimal:              true,
	goduckdb.ErrorTypeMismatchType:         true,
	goduckdb.ErrorTypeDivideByZero:         true,
	goduckdb.ErrorTypeObjectSize:           true,
	goduckdb.ErrorTypeInvalidType:          true,
	goduckdb.ErrorTypeNotImplemented:       true,
	goduckdb.ErrorTypeExpression:           true,
	goduckdb.ErrorTypeCatalog:              true,
	goduckdb.ErrorTypeParser:               true,
	goduckdb.ErrorTypeSyntax:               true,
	goduckdb.ErrorTypeBinder:               true,
	goduckdb.ErrorTypeInvalidInput:         true,
	goduckdb.ErrorTypePermission:           true,
	goduckdb.ErrorTypeParameterNotResolved: true,
	goduckdb.ErrorTypeParameterNotAllowed:  true,
	goduckdb.ErrorTypeSequence:             true,
	goduckdb.ErrorTypeMissingExtension:     true,
	goduckdb.ErrorTypeAutoLoad:             true,
	goduckdb.ErrorTypeInvalidConfiguration: true,
	goduckdb.ErrorTypeDependency:           true,
	goduckdb.ErrorTypeConstraint:           true,
	goduckdb.ErrorTypeInvalid:              true,
	goduckdb.ErrorTypeSettings:             true,
	goduckdb.ErrorTypeTransaction:          false,
	goduckdb.ErrorTypeInterrupt:            false,
	goduckdb.ErrorTypeOutOfMemory:          false,
	goduckdb.ErrorTypeIO:                   false,
	goduckdb.ErrorTypeFatal:                false,
	goduckdb.ErrorTypeInternal:             false,
	goduckdb.ErrorTypeSerialization:        false,
	goduckdb.ErrorTypeConnection:           false,
	goduckdb.ErrorTypeNullPointer:          false,
	goduckdb.ErrorTypeHTTP:                 false,
	goduckdb.ErrorTypeNetwork:              false,
	goduckdb.ErrorTypeScheduler:            false,
	goduckdb.ErrorTypeExecutor:             false,
	goduckdb.ErrorTypeIndex:                false,
	goduckdb.ErrorTypeStat:                 false,
	goduckdb.ErrorTypeOptimizer:            false,
	goduckdb.ErrorTypePlanner:              false,
}

// classifyQueryError maps an error running a user statement to the
// Engine's errors: a memory limit to lake.ErrQueryLimit, a user's mistake
// to lake.ErrInvalidQuery (with DuckDB's message), anything else as is.
func classifyQueryError(err error) error {
	var de *goduckdb.Error
	if !errors.As(err, &de) {
		return err
	}
	switch {
	case de.Type == goduckdb.ErrorTypeOutOfMemory:
		// The rest of DuckDB's message is advice about spilling to disk.
		msg, _, _ := strings.Cut(de.Msg, "\n")
		return fmt.Errorf("%w: %s", lake.ErrQueryLimit, msg)
	case userErrorTypes[de.Type]:
		return fmt.Errorf("%w: %s", lake.ErrInvalidQuery, de.Msg)
	}
	return err
}
