package selector

import (
	"strings"
	"unicode/utf8"
)

// Limits of advanced event selectors (model and reference §5.3).
const (
	MaxAdvancedValues      = 500 // values in all conditions of all selectors
	MaxEventDataStoreSels  = 5   // advanced selectors per event data store
	maxSelectorNameLen     = 1000
	maxFieldLen            = 1000
	maxOperatorValueLen    = 2048
	errorCodeVpceDenied    = "VpceAccessDenied"
	defaultEDSSelectorName = "Default management events"
)

// ValidateAdvanced checks advanced event selectors for a trail or an event
// data store as PutEventSelectors / CreateEventDataStore do. Messages name
// selectors from 1; messages whose AWS wording is known use it verbatim.
// The error is a *ValidationError.
func ValidateAdvanced(sel []AdvancedEventSelector, t Target) error {
	if len(sel) == 0 {
		return invalid("Specify at least one advanced event selector.")
	}
	if t == ForEventDataStore && len(sel) > MaxEventDataStoreSels {
		return invalid("Specify a valid number of advanced event selectors (1 to %d) for an event data store.", MaxEventDataStoreSels)
	}
	total := 0
	for i := range sel {
		for j := range sel[i].FieldSelectors {
			for _, vals := range sel[i].FieldSelectors[j].operators() {
				total += len(vals)
			}
		}
	}
	if total > MaxAdvancedValues {
		return invalid("Specify a valid number of values (1 to %d) for all conditions in all advanced event selectors.", MaxAdvancedValues)
	}
	for i := range sel {
		if err := validateAdvancedOne(i+1, &sel[i], t); err != nil {
			return err
		}
	}
	return nil
}

func validateAdvancedOne(n int, s *AdvancedEventSelector, t Target) error {
	if utf8.RuneCountInString(s.Name) > maxSelectorNameLen {
		return invalid("Selector %d: Name must be at most %d characters.", n, maxSelectorNameLen)
	}
	if strings.ContainsAny(s.Name, "\r\n") {
		return invalid("Selector %d: Name must not contain line breaks.", n)
	}
	if len(s.FieldSelectors) == 0 {
		return invalid("Selector %d: FieldSelectors must contain at least one field selector.", n)
	}
	var at [numFields]*FieldSelector // known fields by ID
	for j := range s.FieldSelectors {
		fs := &s.FieldSelectors[j]
		if err := validateFieldShape(n, fs); err != nil {
			return err
		}
		if id := lookupField(fs.Field); id != fNone {
			if at[id] != nil {
				return invalid("Selector %d: field %s appears more than once.", n, fs.Field)
			}
			at[id] = fs
		}
	}
	category, err := selectorCategory(n, at[fEventCategory], t)
	if err != nil {
		return err
	}
	allowed, _ := allowedFields(category, t)
	for j := range s.FieldSelectors {
		if id := lookupField(s.FieldSelectors[j].Field); id == fNone || !allowed.has(id) {
			return invalid("The following field is not allowed when the eventCategory field value equals %s: %s.", category, s.FieldSelectors[j].Field)
		}
	}
	switch {
	case category == CategoryData && at[fResourcesType] == nil:
		return invalid("Selector %d: resources.type is required when eventCategory is Data.", n)
	case category == CategoryNetworkActivity && at[fEventSource] == nil:
		return invalid("Selector %d: eventSource is required when eventCategory is NetworkActivity.", n)
	}
	for id := fEventSource; id < numFields; id++ {
		if at[id] != nil {
			if err := validateFieldValues(n, id, at[id], category, t); err != nil {
				return err
			}
		}
	}
	return nil
}

// validateFieldShape checks what the API model constrains: the Field name,
// at least one operator, and each operator's values.
func validateFieldShape(n int, fs *FieldSelector) error {
	switch l := utf8.RuneCountInString(fs.Field); {
	case l == 0:
		return invalid("Selector %d: Field must not be empty.", n)
	case l > maxFieldLen:
		return invalid("Selector %d: Field must be at most %d characters.", n, maxFieldLen)
	case !reFieldName.MatchString(fs.Field):
		return invalid("Selector %d: Field %s contains characters that are not valid.", n, fs.Field)
	}
	present := false
	for op, vals := range fs.operators() {
		if vals == nil {
			continue
		}
		present = true
		if len(vals) == 0 {
			return invalid("Selector %d: %s of field %s must have at least one value.", n, opNames[op], fs.Field)
		}
		for _, v := range vals {
			if l := utf8.RuneCountInString(v); l == 0 || l > maxOperatorValueLen {
				return invalid("Selector %d: each %s value of field %s must be 1 to %d characters.", n, opNames[op], fs.Field, maxOperatorValueLen)
			}
			if strings.ContainsAny(v, "\r\n") {
				return invalid("Selector %d: %s values of field %s must not contain line breaks.", n, opNames[op], fs.Field)
			}
		}
	}
	if !present {
		return invalid("Selector %d: field %s must have at least one operator (Equals, StartsWith, EndsWith, NotEquals, NotStartsWith or NotEndsWith).", n, fs.Field)
	}
	return nil
}

// selectorCategory checks the eventCategory field selector and returns its
// single value.
func selectorCategory(n int, fs *FieldSelector, t Target) (string, error) {
	if fs == nil {
		return "", invalid("Selector %d: eventCategory is required in every advanced event selector.", n)
	}
	if err := onlyOperators(n, fs, opEquals); err != nil {
		return "", err
	}
	if len(fs.Equals) != 1 {
		return "", invalid("Selector %d: eventCategory must have exactly one Equals value.", n)
	}
	c := fs.Equals[0]
	if _, ok := allowedFields(c, t); !ok {
		if _, eds := allowedFields(c, ForEventDataStore); eds {
			return "", invalid("Selector %d: Invalid value for field eventCategory: %s (only event data stores accept it).", n, c)
		}
		return "", invalid("Selector %d: Invalid value for field eventCategory: %s", n, c)
	}
	return c, nil
}

// validateFieldValues applies the per-field operator and value rules.
func validateFieldValues(n int, id fieldID, fs *FieldSelector, category string, t Target) error {
	switch id {
	case fReadOnly:
		return equalsFrom(n, fs, opEquals, "true", "false")
	case fResourcesType:
		if err := onlyOperators(n, fs, opEquals); err != nil {
			return err
		}
		if len(fs.Equals) != 1 {
			return invalid("Selector %d: resources.type must have exactly one Equals value; use another selector for another resource type.", n)
		}
		if !reResType.MatchString(fs.Equals[0]) {
			return invalid("Selector %d: Invalid value for field resources.type: %s", n, fs.Equals[0])
		}
	case fResourcesARN:
		for _, vals := range [][]string{fs.Equals, fs.NotEquals} {
			for _, v := range vals {
				if !reFullARNish.MatchString(v) {
					return invalid("Selector %d: Invalid value for field resources.ARN: %s (Equals and NotEquals take a full resource ARN).", n, v)
				}
			}
		}
	case fEventSource:
		switch {
		case category == CategoryManagement && t == ForTrail:
			if err := onlyOperators(n, fs, opNotEquals); err != nil {
				return invalid("Selector %d: for management events on a trail, eventSource can only use NotEquals %s or %s.", n, SourceKMS, SourceRDSData)
			}
			return valuesFrom(n, fs, fs.NotEquals, SourceKMS, SourceRDSData)
		case category == CategoryNetworkActivity:
			if err := onlyOperators(n, fs, opEquals); err != nil {
				return err
			}
			for _, v := range fs.Equals {
				if !reEventSrc.MatchString(v) {
					return invalid("Selector %d: Invalid value for field eventSource: %s", n, v)
				}
			}
		}
	case fErrorCode:
		return equalsFrom(n, fs, opEquals, errorCodeVpceDenied)
	case fSessionCredentialFromConsole:
		if err := onlyOperators(n, fs, opEquals, opNotEquals); err != nil {
			return err
		}
		if err := valuesFrom(n, fs, fs.Equals, "true", "false"); err != nil {
			return err
		}
		return valuesFrom(n, fs, fs.NotEquals, "true", "false")
	}
	return nil
}

// equalsFrom requires fs to use only op, with values from allowed.
func equalsFrom(n int, fs *FieldSelector, op operator, allowed ...string) error {
	if err := onlyOperators(n, fs, op); err != nil {
		return err
	}
	return valuesFrom(n, fs, fs.operators()[op], allowed...)
}

func valuesFrom(n int, fs *FieldSelector, vals []string, allowed ...string) error {
	for _, v := range vals {
		ok := false
		for _, a := range allowed {
			ok = ok || v == a
		}
		if !ok {
			return invalid("Selector %d: Invalid value for field %s: %s", n, fs.Field, v)
		}
	}
	return nil
}

// onlyOperators fails if fs uses an operator outside ops.
func onlyOperators(n int, fs *FieldSelector, ops ...operator) error {
	for op, vals := range fs.operators() {
		if vals == nil {
			continue
		}
		ok := false
		for _, o := range ops {
			ok = ok || operator(op) == o
		}
		if ok {
			continue
		}
		names := make([]string, len(ops))
		for i, o := range ops {
			names[i] = opNames[o]
		}
		if len(ops) == 1 {
			return invalid("Selector %d: only the %s operator is allowed for field %s.", n, names[0], fs.Field)
		}
		return invalid("Selector %d: only the %s operators are allowed for field %s.", n, strings.Join(names, " and "), fs.Field)
	}
	return nil
}
