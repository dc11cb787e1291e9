package framework

// DefaultNormalizeScore scales scores in place so the largest becomes
// maxPriority (integer division, as Kubernetes), and with reverse subtracts
// each from maxPriority. When every score is 0, they stay 0, or all become
// maxPriority with reverse.
func DefaultNormalizeScore(maxPriority int64, reverse bool, scores NodeScoreList) *Status {
	var maxCount int64
	for i := range scores {
		maxCount = max(maxCount, scores[i].Score)
	}
	if maxCount == 0 {
		if reverse {
			for i := range scores {
				scores[i].Score = maxPriority
			}
		}
		return nil
	}
	for i := range scores {
		s := maxPriority * scores[i].Score / maxCount
		if reverse {
			s = maxPriority - s
		}
		scores[i].Score = s
	}
	return nil
}
