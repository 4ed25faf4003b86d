package trail

import (
	"slices"

	"github.com/cairn-audit/cairn/internal/cloudtrail/cterr"
)

// Aggregation settings of a trail (Get/PutEventConfiguration with TrailName).
const (
	AggregationCategoryData = "Data" // the only EventCategory the model allows

	TemplateAPIActivity    = "API_ACTIVITY"
	TemplateResourceAccess = "RESOURCE_ACCESS"
	TemplateUserActions    = "USER_ACTIONS"

	MaxAggregations = 1  // per trail (model: AggregationConfigurations max 1)
	MaxTemplates    = 50 // per configuration (model: Templates 1 to 50)
)

// Aggregation is one aggregation configuration: which summaries of data
// events CloudTrail would add. Cairn stores and returns it; it aggregates
// nothing (docs/CLOUDTRAIL.md).
type Aggregation struct {
	EventCategory string   `json:"eventCategory"`
	Templates     []string `json:"templates"`
}

// CheckAggregations validates the AggregationConfigurations of a
// PutEventConfiguration: at most one, EventCategory Data, 1 to 50 templates
// among API_ACTIVITY, RESOURCE_ACCESS and USER_ACTIONS, none twice.
func CheckAggregations(in []Aggregation) error {
	if len(in) > MaxAggregations {
		return cterr.InvalidParameter.New("A trail takes at most %d aggregation configuration; %d were given.", MaxAggregations, len(in))
	}
	for _, a := range in {
		if a.EventCategory != AggregationCategoryData {
			return cterr.InvalidParameter.New("Aggregation EventCategory %q is not valid. Valid values: %s.", a.EventCategory, AggregationCategoryData)
		}
		if len(a.Templates) < 1 || len(a.Templates) > MaxTemplates {
			return cterr.InvalidParameter.New("An aggregation configuration needs 1 to %d templates; %d were given.", MaxTemplates, len(a.Templates))
		}
		for i, t := range a.Templates {
			if t != TemplateAPIActivity && t != TemplateResourceAccess && t != TemplateUserActions {
				return cterr.InvalidParameter.New("Aggregation template %q is not valid. Valid values: %s, %s, %s.", t, TemplateAPIActivity, TemplateResourceAccess, TemplateUserActions)
			}
			if slices.Contains(a.Templates[:i], t) {
				return cterr.InvalidParameter.New("Aggregation template %s appears more than once.", t)
			}
		}
	}
	return nil
}

func cloneAggregations(in []Aggregation) []Aggregation {
	if len(in) == 0 {
		return nil
	}
	out := make([]Aggregation, len(in))
	for i, a := range in {
		out[i] = Aggregation{EventCategory: a.EventCategory, Templates: slices.Clone(a.Templates)}
	}
	return out
}
