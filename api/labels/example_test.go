package labels_test

import (
	"fmt"

	"github.com/rigging-dev/rigging/api/labels"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

func ExampleParse() {
	sel, err := labels.Parse("tier notin (frontend), environment in (qa,production), !canary")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(sel) // canonical: sorted by key, values sorted
	fmt.Println(sel.Matches(labels.Set{"environment": "qa", "tier": "backend"}))
	fmt.Println(sel.Matches(labels.Set{"environment": "qa"})) // notin matches an absent key
	fmt.Println(sel.Matches(labels.Set{"environment": "qa", "canary": "true"}))
	// Output:
	// !canary,environment in (production,qa),tier notin (frontend)
	// true
	// true
	// false
}

func ExampleParse_error() {
	_, err := labels.Parse("app=web,,tier=db")
	fmt.Println(err)
	_, err = labels.Parse("app=web shop")
	fmt.Println(err)
	// Output:
	// parse label selector "app=web,,tier=db" at offset 8: found ',', expected: identifier after ','
	// parse label selector "app=web shop" at offset 8: found 'shop', expected: ',' or 'end of string'
}

func ExampleLabelSelectorAsSelector() {
	ps := &metav1.LabelSelector{
		MatchLabels: map[string]string{"app": "shop"},
		MatchExpressions: []metav1.LabelSelectorRequirement{
			{Key: "tier", Operator: metav1.LabelSelectorOpIn, Values: []string{"web", "api"}},
		},
	}
	sel, err := labels.LabelSelectorAsSelector(ps)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(sel)
	fmt.Println(sel.Matches(labels.Set{"app": "shop", "tier": "api"}))

	_, err = labels.LabelSelectorAsSelector(&metav1.LabelSelector{
		MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "tier", Operator: metav1.LabelSelectorOpIn}},
	})
	fmt.Println(err)
	// Output:
	// app=shop,tier in (api,web)
	// true
	// matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'
}

func ExampleSelectorFromSet() {
	sel := labels.SelectorFromSet(labels.Set{"app": "shop", "tier": "web"})
	fmt.Println(sel)
	fmt.Println(sel.Matches(labels.Set{"app": "shop", "tier": "web", "pod-template-hash": "abc"}))
	// Output:
	// app=shop,tier=web
	// true
}

func ExampleNewRequirement() {
	r, err := labels.NewRequirement("replicas", labels.GreaterThan, []string{"2"})
	if err != nil {
		fmt.Println(err)
		return
	}
	sel := labels.Everything().Add(*r)
	fmt.Println(sel, sel.Matches(labels.Set{"replicas": "3"}))

	_, err = labels.NewRequirement("replicas", labels.GreaterThan, []string{"two"})
	fmt.Println(err)
	// Output:
	// replicas>2 true
	// values[0]: Invalid value: "two": for 'Gt', 'Lt' operators, the value must be an integer
}
