// Package cterr names every CloudTrail error code in one place: one
// constant per exception shape of the CloudTrail model (cterr_test.go checks
// the list against the generated botocore model, both ways), plus the
// protocol-level codes the JSON 1.1 protocol answers before an operation
// runs. CloudTrail's model gives its exceptions no "error" trait: every code
// is its shape name and travels as HTTP 400.
package cterr

import "github.com/cairn-audit/cairn/internal/api"

// Code is a CloudTrail error code.
type Code string

// New returns the error with code c and the formatted message, HTTP 400.
func (c Code) New(format string, args ...any) *api.Error {
	return api.Errorf(string(c), format, args...)
}

// Is reports whether err is an AWS error with code c.
func (c Code) Is(err error) bool { return err != nil && api.AsError(err).Code == string(c) }

// Protocol-level codes (not shapes of the model).
const (
	// UnknownOperation: the X-Amz-Target names no CloudTrail operation, or
	// the request is not a POST (what AWS JSON 1.1 services answer).
	UnknownOperation Code = "UnknownOperationException"
	// Serialization: the body is not the operation's JSON input.
	Serialization Code = "SerializationException"
)

// The exception shapes of the CloudTrail 2013-11-01 model.
const (
	AccessDenied                                  Code = "AccessDeniedException"
	AccountHasOngoingImport                       Code = "AccountHasOngoingImportException"
	AccountNotFound                               Code = "AccountNotFoundException"
	AccountNotRegistered                          Code = "AccountNotRegisteredException"
	AccountRegistered                             Code = "AccountRegisteredException"
	CannotDelegateManagementAccount               Code = "CannotDelegateManagementAccountException"
	ChannelARNInvalid                             Code = "ChannelARNInvalidException"
	ChannelAlreadyExists                          Code = "ChannelAlreadyExistsException"
	ChannelExistsForEDS                           Code = "ChannelExistsForEDSException"
	ChannelMaxLimitExceeded                       Code = "ChannelMaxLimitExceededException"
	ChannelNotFound                               Code = "ChannelNotFoundException"
	CloudTrailARNInvalid                          Code = "CloudTrailARNInvalidException"
	CloudTrailAccessNotEnabled                    Code = "CloudTrailAccessNotEnabledException"
	CloudTrailInvalidClientTokenId                Code = "CloudTrailInvalidClientTokenIdException"
	CloudWatchLogsDeliveryUnavailable             Code = "CloudWatchLogsDeliveryUnavailableException"
	ConcurrentModification                        Code = "ConcurrentModificationException"
	Conflict                                      Code = "ConflictException"
	DelegatedAdminAccountLimitExceeded            Code = "DelegatedAdminAccountLimitExceededException"
	EventDataStoreARNInvalid                      Code = "EventDataStoreARNInvalidException"
	EventDataStoreAlreadyExists                   Code = "EventDataStoreAlreadyExistsException"
	EventDataStoreFederationEnabled               Code = "EventDataStoreFederationEnabledException"
	EventDataStoreHasOngoingImport                Code = "EventDataStoreHasOngoingImportException"
	EventDataStoreMaxLimitExceeded                Code = "EventDataStoreMaxLimitExceededException"
	EventDataStoreNotFound                        Code = "EventDataStoreNotFoundException"
	EventDataStoreTerminationProtected            Code = "EventDataStoreTerminationProtectedException"
	GenerateResponse                              Code = "GenerateResponseException"
	ImportNotFound                                Code = "ImportNotFoundException"
	InactiveEventDataStore                        Code = "InactiveEventDataStoreException"
	InactiveQuery                                 Code = "InactiveQueryException"
	InsightNotEnabled                             Code = "InsightNotEnabledException"
	InsufficientDependencyServiceAccessPermission Code = "InsufficientDependencyServiceAccessPermissionException"
	InsufficientEncryptionPolicy                  Code = "InsufficientEncryptionPolicyException"
	InsufficientIAMAccessPermission               Code = "InsufficientIAMAccessPermissionException"
	InsufficientS3BucketPolicy                    Code = "InsufficientS3BucketPolicyException"
	InsufficientSnsTopicPolicy                    Code = "InsufficientSnsTopicPolicyException"
	InvalidCloudWatchLogsLogGroupArn              Code = "InvalidCloudWatchLogsLogGroupArnException"
	InvalidCloudWatchLogsRoleArn                  Code = "InvalidCloudWatchLogsRoleArnException"
	InvalidDateRange                              Code = "InvalidDateRangeException"
	InvalidEventCategory                          Code = "InvalidEventCategoryException"
	InvalidEventDataStoreCategory                 Code = "InvalidEventDataStoreCategoryException"
	InvalidEventDataStoreStatus                   Code = "InvalidEventDataStoreStatusException"
	InvalidEventSelectors                         Code = "InvalidEventSelectorsException"
	InvalidHomeRegion                             Code = "InvalidHomeRegionException"
	InvalidImportSource                           Code = "InvalidImportSourceException"
	InvalidInsightSelectors                       Code = "InvalidInsightSelectorsException"
	InvalidKmsKeyId                               Code = "InvalidKmsKeyIdException"
	InvalidLookupAttributes                       Code = "InvalidLookupAttributesException"
	InvalidMaxResults                             Code = "InvalidMaxResultsException"
	InvalidNextToken                              Code = "InvalidNextTokenException"
	InvalidParameterCombination                   Code = "InvalidParameterCombinationException"
	InvalidParameter                              Code = "InvalidParameterException"
	InvalidQueryStatement                         Code = "InvalidQueryStatementException"
	InvalidQueryStatus                            Code = "InvalidQueryStatusException"
	InvalidS3BucketName                           Code = "InvalidS3BucketNameException"
	InvalidS3Prefix                               Code = "InvalidS3PrefixException"
	InvalidSnsTopicName                           Code = "InvalidSnsTopicNameException"
	InvalidSource                                 Code = "InvalidSourceException"
	InvalidTagParameter                           Code = "InvalidTagParameterException"
	InvalidTimeRange                              Code = "InvalidTimeRangeException"
	InvalidToken                                  Code = "InvalidTokenException"
	InvalidTrailName                              Code = "InvalidTrailNameException"
	Kms                                           Code = "KmsException"
	KmsKeyDisabled                                Code = "KmsKeyDisabledException"
	KmsKeyNotFound                                Code = "KmsKeyNotFoundException"
	MaxConcurrentQueries                          Code = "MaxConcurrentQueriesException"
	MaximumNumberOfTrailsExceeded                 Code = "MaximumNumberOfTrailsExceededException"
	NoManagementAccountSLRExists                  Code = "NoManagementAccountSLRExistsException"
	NotOrganizationManagementAccount              Code = "NotOrganizationManagementAccountException"
	NotOrganizationMasterAccount                  Code = "NotOrganizationMasterAccountException"
	OperationNotPermitted                         Code = "OperationNotPermittedException"
	OrganizationNotInAllFeaturesMode              Code = "OrganizationNotInAllFeaturesModeException"
	OrganizationsNotInUse                         Code = "OrganizationsNotInUseException"
	QueryIdNotFound                               Code = "QueryIdNotFoundException"
	ResourceARNNotValid                           Code = "ResourceARNNotValidException"
	ResourceNotFound                              Code = "ResourceNotFoundException"
	ResourcePolicyNotFound                        Code = "ResourcePolicyNotFoundException"
	ResourcePolicyNotValid                        Code = "ResourcePolicyNotValidException"
	ResourceTypeNotSupported                      Code = "ResourceTypeNotSupportedException"
	S3BucketDoesNotExist                          Code = "S3BucketDoesNotExistException"
	ServiceQuotaExceeded                          Code = "ServiceQuotaExceededException"
	TagsLimitExceeded                             Code = "TagsLimitExceededException"
	Throttling                                    Code = "ThrottlingException"
	TrailAlreadyExists                            Code = "TrailAlreadyExistsException"
	TrailNotFound                                 Code = "TrailNotFoundException"
	TrailNotProvided                              Code = "TrailNotProvidedException"
	UnsupportedOperation                          Code = "UnsupportedOperationException"
)

// protocolCodes are the codes above that are not model shapes.
var protocolCodes = []Code{UnknownOperation, Serialization}

// modelCodes are the constants of the model's shapes, in shape order.
var modelCodes = []Code{
	AccessDenied,
	AccountHasOngoingImport,
	AccountNotFound,
	AccountNotRegistered,
	AccountRegistered,
	CannotDelegateManagementAccount,
	ChannelARNInvalid,
	ChannelAlreadyExists,
	ChannelExistsForEDS,
	ChannelMaxLimitExceeded,
	ChannelNotFound,
	CloudTrailARNInvalid,
	CloudTrailAccessNotEnabled,
	CloudTrailInvalidClientTokenId,
	CloudWatchLogsDeliveryUnavailable,
	ConcurrentModification,
	Conflict,
	DelegatedAdminAccountLimitExceeded,
	EventDataStoreARNInvalid,
	EventDataStoreAlreadyExists,
	EventDataStoreFederationEnabled,
	EventDataStoreHasOngoingImport,
	EventDataStoreMaxLimitExceeded,
	EventDataStoreNotFound,
	EventDataStoreTerminationProtected,
	GenerateResponse,
	ImportNotFound,
	InactiveEventDataStore,
	InactiveQuery,
	InsightNotEnabled,
	InsufficientDependencyServiceAccessPermission,
	InsufficientEncryptionPolicy,
	InsufficientIAMAccessPermission,
	InsufficientS3BucketPolicy,
	InsufficientSnsTopicPolicy,
	InvalidCloudWatchLogsLogGroupArn,
	InvalidCloudWatchLogsRoleArn,
	InvalidDateRange,
	InvalidEventCategory,
	InvalidEventDataStoreCategory,
	InvalidEventDataStoreStatus,
	InvalidEventSelectors,
	InvalidHomeRegion,
	InvalidImportSource,
	InvalidInsightSelectors,
	InvalidKmsKeyId,
	InvalidLookupAttributes,
	InvalidMaxResults,
	InvalidNextToken,
	InvalidParameterCombination,
	InvalidParameter,
	InvalidQueryStatement,
	InvalidQueryStatus,
	InvalidS3BucketName,
	InvalidS3Prefix,
	InvalidSnsTopicName,
	InvalidSource,
	InvalidTagParameter,
	InvalidTimeRange,
	InvalidToken,
	InvalidTrailName,
	Kms,
	KmsKeyDisabled,
	KmsKeyNotFound,
	MaxConcurrentQueries,
	MaximumNumberOfTrailsExceeded,
	NoManagementAccountSLRExists,
	NotOrganizationManagementAccount,
	NotOrganizationMasterAccount,
	OperationNotPermitted,
	OrganizationNotInAllFeaturesMode,
	OrganizationsNotInUse,
	QueryIdNotFound,
	ResourceARNNotValid,
	ResourceNotFound,
	ResourcePolicyNotFound,
	ResourcePolicyNotValid,
	ResourceTypeNotSupported,
	S3BucketDoesNotExist,
	ServiceQuotaExceeded,
	TagsLimitExceeded,
	Throttling,
	TrailAlreadyExists,
	TrailNotFound,
	TrailNotProvided,
	UnsupportedOperation,
}
