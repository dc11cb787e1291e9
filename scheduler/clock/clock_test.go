package clock

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestFakeRunsDueTimersInOrder(t *testing.T) {
	c := NewFake(time.Unix(0, 0))
	var got []string
	c.AfterFunc(2*time.Second, func() { got = append(got, "2s") })
	c.AfterFunc(time.Second, func() { got = append(got, "1s") })
	stopped := c.AfterFunc(time.Second, func() { got = append(got, "stopped") })
	if !stopped.Stop() {
		t.Fatal("Stop of a pending timer returned false")
	}
	c.Step(1500 * time.Millisecond)
	if diff := cmp.Diff([]string{"1s"}, got); diff != "" {
		t.Fatalf("after 1.5 s (-want +got):\n%s", diff)
	}
	if c.Pending() != 1 {
		t.Errorf("Pending = %d, want 1", c.Pending())
	}
	c.Step(time.Second)
	if diff := cmp.Diff([]string{"1s", "2s"}, got); diff != "" {
		t.Errorf("after 2.5 s (-want +got):\n%s", diff)
	}
	if want := time.Unix(2, 500_000_000); !c.Now().Equal(want) {
		t.Errorf("Now = %v, want %v", c.Now(), want)
	}
}
