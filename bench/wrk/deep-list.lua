-- GET a page of 100 near the end of the table: keyset pagination should cost the same there as
-- at the start, at 10,000 users or a million.
function request()
  return list_request(users - 1100, users - 100)
end
