package selector

// fieldID identifies an advanced-selector field.
type fieldID uint8

const (
	fNone fieldID = iota
	fEventCategory
	fEventSource
	fEventName
	fEventType
	fErrorCode
	fUserIdentityARN
	fVPCEndpointID
	fReadOnly
	fResourcesType
	fResourcesARN
	fSessionCredentialFromConsole
	numFields
)

// fieldNames are the Field values as CloudTrail spells them (case-sensitive).
var fieldNames = [numFields]string{
	fEventCategory:                "eventCategory",
	fEventSource:                  "eventSource",
	fEventName:                    "eventName",
	fEventType:                    "eventType",
	fErrorCode:                    "errorCode",
	fUserIdentityARN:              "userIdentity.arn",
	fVPCEndpointID:                "vpcEndpointId",
	fReadOnly:                     "readOnly",
	fResourcesType:                "resources.type",
	fResourcesARN:                 "resources.ARN",
	fSessionCredentialFromConsole: "sessionCredentialFromConsole",
}

func (f fieldID) String() string { return fieldNames[f] }

func lookupField(name string) fieldID {
	for f := fEventCategory; f < numFields; f++ {
		if fieldNames[f] == name {
			return f
		}
	}
	return fNone
}

// Event categories.
const (
	CategoryManagement        = "Management"
	CategoryData              = "Data"
	CategoryNetworkActivity   = "NetworkActivity"
	CategoryConfigurationItem = "ConfigurationItem"
	CategoryEvidence          = "Evidence"
	CategoryActivityAuditLog  = "ActivityAuditLog"
	CategoryInsight           = "Insight"
)

type fieldSet uint32

func fields(fs ...fieldID) fieldSet {
	var s fieldSet
	for _, f := range fs {
		s |= 1 << f
	}
	return s
}

func (s fieldSet) has(f fieldID) bool { return s&(1<<f) != 0 }

var (
	dataFields = fields(fEventCategory, fResourcesType, fEventName, fEventSource, fEventType,
		fReadOnly, fResourcesARN, fSessionCredentialFromConsole, fUserIdentityARN)
	networkFieldsEDS = fields(fEventCategory, fEventSource, fEventName, fErrorCode, fVPCEndpointID)
	mgmtFieldsTrail  = fields(fEventCategory, fEventSource, fReadOnly)
)

// allowedFields returns the fields a selector of category may use for t,
// and whether the category is accepted for t at all (reference §5.3).
func allowedFields(category string, t Target) (fieldSet, bool) {
	switch category {
	case CategoryManagement:
		if t == ForEventDataStore {
			return mgmtFieldsTrail | fields(fEventName, fEventType, fSessionCredentialFromConsole, fUserIdentityARN), true
		}
		return mgmtFieldsTrail, true
	case CategoryData:
		return dataFields, true
	case CategoryNetworkActivity:
		if t == ForEventDataStore {
			return networkFieldsEDS, true
		}
		return networkFieldsEDS | fields(fUserIdentityARN), true
	case CategoryConfigurationItem, CategoryEvidence, CategoryActivityAuditLog, CategoryInsight:
		if t == ForEventDataStore {
			return fields(fEventCategory), true
		}
	}
	return 0, false
}

// operator indexes, in the order of the FieldSelector members.
type operator uint8

const (
	opEquals operator = iota
	opStartsWith
	opEndsWith
	opNotEquals
	opNotStartsWith
	opNotEndsWith
	numOps
)

var opNames = [numOps]string{"Equals", "StartsWith", "EndsWith", "NotEquals", "NotStartsWith", "NotEndsWith"}

// operators returns the six operator lists of f, indexed by operator.
func (f *FieldSelector) operators() [numOps][]string {
	return [numOps][]string{f.Equals, f.StartsWith, f.EndsWith, f.NotEquals, f.NotStartsWith, f.NotEndsWith}
}
