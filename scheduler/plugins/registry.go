// Package plugins assembles the in-tree scheduler plugins: NewInTreeRegistry
// maps each plugin's name to its factory.
package plugins

import (
	"github.com/rigging-dev/rigging/scheduler/framework"
	"github.com/rigging-dev/rigging/scheduler/plugins/defaultbinder"
	"github.com/rigging-dev/rigging/scheduler/plugins/defaultpreemption"
	"github.com/rigging-dev/rigging/scheduler/plugins/gang"
	"github.com/rigging-dev/rigging/scheduler/plugins/imagelocality"
	"github.com/rigging-dev/rigging/scheduler/plugins/interpodaffinity"
	"github.com/rigging-dev/rigging/scheduler/plugins/names"
	"github.com/rigging-dev/rigging/scheduler/plugins/nodeaffinity"
	"github.com/rigging-dev/rigging/scheduler/plugins/nodename"
	"github.com/rigging-dev/rigging/scheduler/plugins/nodeports"
	"github.com/rigging-dev/rigging/scheduler/plugins/noderesources"
	"github.com/rigging-dev/rigging/scheduler/plugins/nodeunschedulable"
	"github.com/rigging-dev/rigging/scheduler/plugins/podtopologyspread"
	"github.com/rigging-dev/rigging/scheduler/plugins/queuesort"
	"github.com/rigging-dev/rigging/scheduler/plugins/schedulinggates"
	"github.com/rigging-dev/rigging/scheduler/plugins/tainttoleration"
	"github.com/rigging-dev/rigging/scheduler/plugins/volumebinding"
)

// NewInTreeRegistry returns a new Registry of every in-tree plugin. The
// caller owns it and may add its own plugins.
func NewInTreeRegistry() framework.Registry {
	return framework.Registry{
		names.PrioritySort:                    queuesort.New,
		names.SchedulingGates:                 schedulinggates.New,
		names.NodeName:                        nodename.New,
		names.NodeUnschedulable:               nodeunschedulable.New,
		names.NodeResourcesFit:                noderesources.NewFit,
		names.NodeResourcesBalancedAllocation: noderesources.NewBalancedAllocation,
		names.NodeAffinity:                    nodeaffinity.New,
		names.TaintToleration:                 tainttoleration.New,
		names.NodePorts:                       nodeports.New,
		names.ImageLocality:                   imagelocality.New,
		names.VolumeBinding:                   volumebinding.New,
		names.InterPodAffinity:                interpodaffinity.New,
		names.PodTopologySpread:               podtopologyspread.New,
		names.DefaultPreemption:               defaultpreemption.New,
		names.DefaultBinder:                   defaultbinder.New,
		names.Gang:                            gang.New,
	}
}
