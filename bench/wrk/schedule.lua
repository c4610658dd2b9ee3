-- The order a mix script sends its operations in: a fixed interleaving by weight (smooth weighted
-- round-robin), identical for every target. A mix script loads it with `dofile(<this file>)` and
-- calls `schedule(ops)` in its `init`; each op has a `weight`.

function schedule(list)
  local current, total, order = {}, 0, {}
  for i, op in ipairs(list) do
    current[i] = 0
    total = total + op.weight
  end
  for _ = 1, total do
    local best = 1
    for i, op in ipairs(list) do
      current[i] = current[i] + op.weight
      if current[i] > current[best] then best = i end
    end
    current[best] = current[best] - total
    order[#order + 1] = list[best]
  end
  return order
end
