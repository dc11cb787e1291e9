package framework

import (
	"context"
	"fmt"
)

// PluginFactory builds a plugin from its arguments (the plugin's own args
// type, or nil for defaults) and the Handle of the profile it joins. It
// returns an error naming what is wrong with the arguments.
type PluginFactory func(ctx context.Context, args any, h Handle) (Plugin, error)

// Registry maps plugin names to their factories. A scheduler is built with
// one; a user adds their own plugins to it.
type Registry map[string]PluginFactory

// Register adds factory under name, or returns an error when the name is
// taken.
func (r Registry) Register(name string, factory PluginFactory) error {
	if _, ok := r[name]; ok {
		return fmt.Errorf("register plugin %q: a plugin with that name is already registered", name)
	}
	r[name] = factory
	return nil
}

// Unregister removes name, or returns an error when it is not registered.
func (r Registry) Unregister(name string) error {
	if _, ok := r[name]; !ok {
		return fmt.Errorf("unregister plugin %q: no plugin with that name is registered", name)
	}
	delete(r, name)
	return nil
}

// Merge adds every entry of in, or returns an error at the first name
// already taken.
func (r Registry) Merge(in Registry) error {
	for name, f := range in {
		if err := r.Register(name, f); err != nil {
			return err
		}
	}
	return nil
}
