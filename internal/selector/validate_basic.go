package selector

import "fmt"

// Limits of basic event selectors.
const (
	MaxBasicSelectors     = 5
	MaxDataResourceValues = 250
)

// Basic DataResources types.
const (
	TypeS3Object       = "AWS::S3::Object"
	TypeLambdaFunction = "AWS::Lambda::Function"
	TypeDynamoDBTable  = "AWS::DynamoDB::Table"
)

// Event sources ExcludeManagementEventSources accepts.
const (
	SourceKMS     = "kms.amazonaws.com"
	SourceRDSData = "rdsdata.amazonaws.com"
)

// dataValueCheckers validates one DataResources value per basic type and
// reports whether it selects every resource of the type.
var dataValueCheckers = map[string]func(string) (whole, ok bool){
	TypeS3Object:       checkS3Value,
	TypeLambdaFunction: checkLambdaValue,
	TypeDynamoDBTable:  checkDynamoDBValue,
}

func invalid(format string, args ...any) error {
	return &ValidationError{Message: fmt.Sprintf(format, args...)}
}

// ValidateBasic checks basic event selectors as PutEventSelectors does: 1 to
// 5 selectors, ReadWriteType, ExcludeManagementEventSources, DataResources
// types and value formats, and at most 250 values in total (values that
// select every resource of a type, such as "arn:aws:s3", do not count).
// Messages name selectors from 1. The error is a *ValidationError.
func ValidateBasic(sel []EventSelector) error {
	if len(sel) == 0 || len(sel) > MaxBasicSelectors {
		return invalid("Specify a valid number of event selectors (1 to %d) for a trail.", MaxBasicSelectors)
	}
	total := 0
	for i := range sel {
		n, err := validateBasicOne(i+1, &sel[i])
		if err != nil {
			return err
		}
		total += n
	}
	if total > MaxDataResourceValues {
		return invalid("Specify a valid number of DataResources.Values (0 to %d) for all your selectors.", MaxDataResourceValues)
	}
	return nil
}

// validateBasicOne checks selector number n and returns how many of its
// data resource values count against the 250 limit.
func validateBasicOne(n int, s *EventSelector) (int, error) {
	switch s.ReadWriteType {
	case "", ReadOnly, WriteOnly, All:
	default:
		return 0, invalid("Value %s for ReadWriteType is invalid.", s.ReadWriteType)
	}
	for _, src := range s.ExcludeManagementEventSources {
		if src != SourceKMS && src != SourceRDSData {
			return 0, invalid("Value %s for ExcludeManagementEventSources is invalid.", src)
		}
	}
	counted := 0
	for _, dr := range s.DataResources {
		if dr.Type == "" {
			return 0, invalid("Selector %d: DataResources.Type is required.", n)
		}
		check, ok := dataValueCheckers[dr.Type]
		if !ok {
			return 0, invalid("Value %s for DataResources.Type is invalid.", dr.Type)
		}
		if len(dr.Values) == 0 {
			return 0, invalid("Selector %d: DataResources of type %s must have at least one value.", n, dr.Type)
		}
		for _, v := range dr.Values {
			whole, ok := check(v)
			if !ok {
				return 0, invalid("Value %s for DataResources.Values is invalid.", v)
			}
			if !whole {
				counted++
			}
		}
	}
	return counted, nil
}
