package kit_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/helpdesk-chat/helpdesk/adapters/internal/kit"
)

func TestOrderPerKeyAndAllRun(t *testing.T) {
	var q kit.Runner
	var mu sync.Mutex
	got := map[string][]int{}
	for i := 0; i < 200; i++ {
		key := fmt.Sprintf("chat%d", i%4)
		q.Do(key, func() {
			mu.Lock()
			got[key] = append(got[key], i)
			mu.Unlock()
		})
	}
	q.Wait()
	for k, seq := range got {
		if len(seq) != 50 {
			t.Fatalf("%s ran %d functions, want 50", k, len(seq))
		}
		for j := 1; j < len(seq); j++ {
			if seq[j] < seq[j-1] {
				t.Fatalf("%s ran out of order: %v", k, seq)
			}
		}
	}
}
