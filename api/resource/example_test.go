package resource_test

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/rigging-dev/rigging/api/resource"
)

func ExampleParseQuantity() {
	for _, s := range []string{"100m", "1.5Gi", "2", "1e3", "0.5", "+1", "1 Gi"} {
		q, err := resource.ParseQuantity(s)
		if err != nil {
			fmt.Println(err, errors.Is(err, resource.ErrFormatWrong))
			continue
		}
		fmt.Printf("%s -> %s (%s)\n", s, q, q.Format())
	}
	// Output:
	// 100m -> 100m (DecimalSI)
	// 1.5Gi -> 1536Mi (BinarySI)
	// 2 -> 2 (DecimalSI)
	// 1e3 -> 1e3 (DecimalExponent)
	// 0.5 -> 500m (DecimalSI)
	// +1 -> 1 (DecimalSI)
	// quantity "1 Gi": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$' true
}

func ExampleMustParse() {
	memorySize := resource.MustParse("5Gi")
	fmt.Printf("memorySize = %v (%v)\n", memorySize.Value(), memorySize.Format())

	diskSize := resource.MustParse("5G")
	fmt.Printf("diskSize = %v (%v)\n", diskSize.Value(), diskSize.Format())

	cores := resource.MustParse("5300m")
	fmt.Printf("milliCores = %v (%v)\n", cores.MilliValue(), cores.Format())

	cores2 := resource.MustParse("5.4")
	fmt.Printf("milliCores = %v (%v)\n", cores2.MilliValue(), cores2.Format())
	// Output:
	// memorySize = 5368709120 (BinarySI)
	// diskSize = 5000000000 (DecimalSI)
	// milliCores = 5300 (DecimalSI)
	// milliCores = 5400 (DecimalSI)
}

func ExampleNewQuantity() {
	memorySize := resource.NewQuantity(5*1024*1024*1024, resource.BinarySI)
	fmt.Printf("memorySize = %v\n", memorySize)

	diskSize := resource.NewQuantity(5*1000*1000*1000, resource.DecimalSI)
	fmt.Printf("diskSize = %v\n", diskSize)

	cores := resource.NewMilliQuantity(5300, resource.DecimalSI)
	fmt.Printf("cores = %v\n", cores)
	// Output:
	// memorySize = 5Gi
	// diskSize = 5G
	// cores = 5300m
}

func ExampleQuantity_Add() {
	// A zero Quantity takes the format of what is added to it.
	var total resource.Quantity
	for _, s := range []string{"512Mi", "1Gi", "0.5Gi"} {
		total.Add(resource.MustParse(s))
	}
	fmt.Println(total)

	// Arithmetic is exact.
	q := resource.MustParse("0.1")
	q.Add(resource.MustParse("0.2"))
	fmt.Println(q, q.Equal(resource.MustParse("300m")))

	free := resource.MustParse("4")
	free.Sub(resource.MustParse("1500m"))
	fmt.Println(free, free.Cmp(resource.MustParse("2")), free.Value(), free.MilliValue())
	// Output:
	// 2Gi
	// 300m true
	// 2500m 1 3 2500
}

func ExampleQuantity_UnmarshalJSON() {
	var requests map[string]resource.Quantity
	err := json.Unmarshal([]byte(`{"cpu": 2, "memory": "1.5Gi", "example.com/gpu": "1"}`), &requests)
	if err != nil {
		fmt.Println(err)
		return
	}
	out, _ := json.Marshal(requests)
	fmt.Println(string(out))
	// Output:
	// {"cpu":"2","example.com/gpu":"1","memory":"1536Mi"}
}
