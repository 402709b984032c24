-- GET one user, its id drawn across the whole seeded range so reads touch the whole table.
function request()
  return get_user_request()
end
