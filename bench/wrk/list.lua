-- GET a page of 100 users starting anywhere in the seeded range.
function request()
  return list_request(0, users - 100)
end
