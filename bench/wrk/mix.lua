-- 90 % reads of one user, 10 % new users: writes queue behind the group commit while reads go on.
function request()
  if math.random() < 0.1 then
    return create_user_request()
  end
  return get_user_request()
end
