package tickets

import (
	"context"
	"fmt"
	"slices"

	"github.com/helpdesk-chat/helpdesk/errs"
)

// Statuses an agent can be in; one not recorded counts as online.
var AgentStatuses = []string{"online", "away", "offline"}

// SetAgentStatus records agent's status (online, away, offline), set by
// the agent themself or an admin.
func (s *Service) SetAgentStatus(ctx context.Context, agent, status string, actor Actor) error {
	if !slices.Contains(AgentStatuses, status) {
		return errs.Errorf(errs.EINVALID, "Status %q is not online, away or offline.", status)
	}
	if agent == "" || (actor.Role != RoleAdmin && (actor.Role != RoleAgent || actor.Name != agent)) {
		return errs.Errorf(errs.EFORBIDDEN, "Only %s or an admin can set %s's status.", orNobody(agent), orNobody(agent))
	}
	if err := s.Store.SetPresence(ctx, agent, status, s.now()); err != nil {
		return fmt.Errorf("set status of %s: %w", agent, err)
	}
	return nil
}
